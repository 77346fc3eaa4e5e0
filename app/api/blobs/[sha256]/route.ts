import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { z } from 'zod';
import { AppError } from '@/lib/errors';
import { handler, params, parse } from '@/lib/http/respond';
import { viewerOf } from '@/lib/owners';
import { getBlobStore } from '@/lib/storage';
import { canSeeBlob } from '@/lib/uploads/blobs';

export const runtime = 'nodejs';

const MIME: Record<string, string> = { '.jpg': 'image/jpeg', '.png': 'image/png', '.webp': 'image/webp' };

/**
 * A stored image by SHA-256, to a viewer who may see a photo or generation that holds it (404 to
 * anyone else, as for an image not stored); `?w=160|320|640` gives a thumbnail that wide (WebP).
 */
export const GET = handler(async (request: Request, context: { params: Promise<{ sha256: string }> }) => {
  const { sha256 } = await params(z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 in hex') }), context);
  const { w } = parse(z.object({ w: z.enum(['160', '320', '640']).optional() }), Object.fromEntries(new URL(request.url).searchParams));
  const viewer = await viewerOf(request.headers);
  const file = (await canSeeBlob(viewer, sha256)) ? await getBlobStore().locate(sha256) : null;
  if (!file) throw new AppError('NOT_FOUND', 'This image is not stored here, or it is not yours to see.');
  // Content-addressed: the bytes behind a name never change. `private`: kept by the viewer's
  // browser only, never by a shared cache that would hand it to someone else.
  const headers = { 'cache-control': 'private, max-age=31536000, immutable', vary: 'Cookie, Authorization' };
  if (w) {
    const thumbnail = await sharp(file).resize({ width: Number(w), withoutEnlargement: true }).webp({ quality: 80 }).toBuffer();
    return new Response(new Uint8Array(thumbnail), { headers: { ...headers, 'content-type': 'image/webp' } });
  }
  const data = await fs.readFile(file);
  return new Response(new Uint8Array(data), { headers: { ...headers, 'content-type': MIME[path.extname(file)] ?? 'application/octet-stream' } });
});
