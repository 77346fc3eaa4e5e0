/**
 * Who is asking. There are no accounts: a browser is an anonymous owner, named by a random id in a
 * signed and encrypted, httpOnly, SameSite=Lax cookie (`OWNER_COOKIE`), given on its first request
 * (the front door, lib/http/front-door.ts, mints it). An API client asks `POST /api/tokens` for a
 * bearer token once and sends `Authorization: Bearer <token>`; the token names an owner the same
 * way. Both are sealed with `SESSION_SECRET` by iron-session (AES-256-CBC + HMAC-SHA-256), so the
 * id can be neither read nor forged without the key; nothing about owners is stored server-side,
 * and a token lasts until the key changes. `Authorization: Bearer <ADMIN_TOKEN>` is the
 * administrator, who sees and changes every item.
 *
 * Rows made before owners existed belong to `LEGACY_OWNER` and are private: only the administrator
 * sees them (and may make them public).
 */
import { randomBytes, randomUUID, timingSafeEqual, createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { sealData, unsealData } from 'iron-session';
import { env } from '@/lib/env';
import { AppError } from '@/lib/errors';

export const OWNER_COOKIE = 'latent_owner';
/** Chrome keeps a cookie at most 400 days. */
export const OWNER_COOKIE_MAX_AGE = 400 * 24 * 3600;
/** The owner of every row made before owners existed. */
export const LEGACY_OWNER = 'legacy';
/** The owner of what the administrator makes. */
export const ADMIN_OWNER = 'admin';

export type Visibility = 'private' | 'public';

export interface Viewer {
  /** The owner this request acts for; null when it carries no credential (it can see public items only). */
  ownerId: string | null;
  admin: boolean;
  via: 'cookie' | 'token' | 'admin' | 'none';
}

/** A viewer that names an owner: one who may store something. */
export type Owner = Viewer & { ownerId: string };

export const ANONYMOUS: Viewer = { ownerId: null, admin: false, via: 'none' };

interface Sealed {
  /** The owner's id. */
  o: string;
  /** c: a browser's cookie; t: an API token. */
  k: 'c' | 't';
}

let secret: string | undefined;

/** SESSION_SECRET, or the key kept in SESSION_SECRET_FILE (made once, readable by this user only). */
export function sessionSecret(): string {
  if (secret) return secret;
  if (env.SESSION_SECRET) return (secret = env.SESSION_SECRET);
  const file = path.resolve(env.SESSION_SECRET_FILE);
  try {
    const kept = fs.readFileSync(file, 'utf8').trim();
    if (kept.length >= 32) return (secret = kept);
  } catch {
    // made below
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const made = randomBytes(32).toString('base64url');
  try {
    // `wx`: two processes starting at once keep the first one's key.
    fs.writeFileSync(file, made + '\n', { mode: 0o600, flag: 'wx' });
    return (secret = made);
  } catch {
    return (secret = fs.readFileSync(file, 'utf8').trim());
  }
}

const seal = (payload: Sealed) => sealData(payload, { password: sessionSecret(), ttl: 0 });

async function unseal(value: string, kind: Sealed['k']): Promise<string | null> {
  if (value.length > 1024) return null;
  try {
    const payload = await unsealData<Partial<Sealed>>(value, { password: sessionSecret(), ttl: 0 });
    return payload.k === kind && typeof payload.o === 'string' && /^[A-Za-z0-9_-]{8,64}$/.test(payload.o) ? payload.o : null;
  } catch {
    return null;
  }
}

/** A new owner id: 128 random bits. */
export const newOwnerId = () => randomUUID().replaceAll('-', '');

/** The cookie value that names `ownerId` for a browser. */
export const sealCookie = (ownerId: string) => seal({ o: ownerId, k: 'c' });

/** A bearer token that names `ownerId` for an API client. */
export const sealToken = (ownerId: string) => seal({ o: ownerId, k: 't' });

function isAdminToken(token: string): boolean {
  if (!env.ADMIN_TOKEN) return false;
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(token), digest(env.ADMIN_TOKEN));
}

/** The value of cookie `name` in a Cookie header. */
export function cookieValue(header: string | null, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * The viewer a request's headers name: the administrator or an API client by `Authorization:
 * Bearer`, else a browser by its cookie, else nobody (`ANONYMOUS`). A bearer token that is not
 * valid is an INVALID_TOKEN error, never a silent fall back to the cookie.
 */
export async function viewerOf(headers: Headers): Promise<Viewer> {
  const authorization = headers.get('authorization');
  if (authorization !== null) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) throw new AppError('INVALID_TOKEN', 'The Authorization header must be "Bearer <token>", with a token from POST /api/tokens.');
    if (isAdminToken(match[1])) return { ownerId: ADMIN_OWNER, admin: true, via: 'admin' };
    const ownerId = await unseal(match[1], 't');
    if (!ownerId) throw new AppError('INVALID_TOKEN', 'This token is not valid here (it may be from another server, or the server\'s key changed). Ask POST /api/tokens for a new one.');
    return { ownerId, admin: false, via: 'token' };
  }
  const cookie = cookieValue(headers.get('cookie'), OWNER_COOKIE);
  const ownerId = cookie ? await unseal(cookie, 'c') : null;
  return ownerId ? { ownerId, admin: false, via: 'cookie' } : ANONYMOUS;
}

/** The viewer of a request that must act for an owner (to store or change something). */
export async function ownerOf(headers: Headers): Promise<Owner> {
  const viewer = await viewerOf(headers);
  if (viewer.ownerId === null) {
    throw new AppError('INVALID_TOKEN', 'This request names no owner: a browser is given one with its first request (is it refusing cookies?); a script sends "Authorization: Bearer <token>" with a token from POST /api/tokens.');
  }
  return viewer as Owner;
}

/** Something a person owns. */
export interface Owned {
  ownerId: string;
  visibility: string;
}

export const canSee = (viewer: Viewer, item: Owned) => viewer.admin || item.visibility === 'public' || (viewer.ownerId !== null && item.ownerId === viewer.ownerId);

export const canChange = (viewer: Viewer, item: Owned) => viewer.admin || (viewer.ownerId !== null && item.ownerId === viewer.ownerId);

/** A database filter for the rows `viewer` may see: everything for the administrator, else their own and the public ones. */
export function visibleTo(viewer: Viewer): { OR: ({ ownerId: string } | { visibility: 'public' })[] } | Record<string, never> {
  if (viewer.admin) return {};
  return { OR: [{ visibility: 'public' }, ...(viewer.ownerId !== null ? [{ ownerId: viewer.ownerId }] : [])] };
}

/**
 * Checks that `viewer` may change `item` (of `what`, e.g. "photo"): a private item of someone else
 * is NOT_FOUND (its existence is not confirmed), a public one is NOT_YOURS.
 */
export function assertCanChange(viewer: Viewer, item: Owned | null, what: string): void {
  if (item && canChange(viewer, item)) return;
  if (item && canSee(viewer, item)) throw new AppError('NOT_YOURS', `This ${what} was shared by someone else: only its owner can change or delete it.`);
  throw new AppError('NOT_FOUND', `There is no ${what} with this id. It may have been deleted.`);
}

/** Checks that `viewer` may see `item`; otherwise NOT_FOUND. */
export function assertCanSee<T extends Owned>(viewer: Viewer, item: T | null, what: string): T {
  if (item && canSee(viewer, item)) return item;
  throw new AppError('NOT_FOUND', `There is no ${what} with this id. It may have been deleted.`);
}
