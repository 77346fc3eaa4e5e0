import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { z } from 'zod';
import { AppError } from '@/lib/errors';
import { handler, params, parse } from '@/lib/http/respond';
import { getBlobStore } from '@/lib/storage';

export const runtime = 'nodejs';

const MIME: Record<string, string> = { '.jpg': 'image/jpeg', '.png': 'image/png', '.webp': 'image/webp' };

/** A stored image by SHA-256; `?w=160|320|640` gives a thumbnail that wide (WebP). */
export const GET = handler(async (request: Request, context: { params: Promise<{ sha256: string }> }) => {
  const { sha256 } = await params(z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 in hex') }), context);
  const { w } = parse(z.object({ w: z.enum(['160', '320', '640']).optional() }), Object.fromEntries(new URL(request.url).searchParams));
  const file = await getBlobStore().locate(sha256);
  if (!file) throw new AppError('NOT_FOUND', 'This image is not stored here.');
  // Content-addressed: the bytes behind a name never change.
  const headers = { 'cache-control': 'public, max-age=31536000, immutable' };
  if (w) {
    const thumbnail = await sharp(file).resize({ width: Number(w), withoutEnlargement: true }).webp({ quality: 80 }).toBuffer();
    return new Response(new Uint8Array(thumbnail), { headers: { ...headers, 'content-type': 'image/webp' } });
  }
  const data = await fs.readFile(file);
  return new Response(new Uint8Array(data), { headers: { ...headers, 'content-type': MIME[path.extname(file)] ?? 'application/octet-stream' } });
});
