/**
 * The upload pipeline against real photos and hostile inputs. Every hostile file is built here,
 * in memory; nothing big is committed.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { isAppError, type ErrorCode } from '@/lib/errors';
import { prepareUpload, sniff, toModelInput, type PrepareUploadOptions } from '@/lib/images';

const COREL_DIR = '/work/shared/data/corel5k/images';
const haveCorel = fs.existsSync(path.join(COREL_DIR, '100000.jpg'));

// ---------------------------------------------------------------------------------------------
// Helpers

/** Runs prepareUpload, expects an AppError with `code` and a message written for a person. */
async function expectRejected(bytes: Uint8Array, code: ErrorCode, options?: PrepareUploadOptions): Promise<string> {
  let caught: unknown;
  try {
    await prepareUpload(bytes, options);
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected ${code}`).toBeDefined();
  expect(isAppError(caught), `expected an AppError, got ${String(caught)}`).toBe(true);
  const error = caught as { code: string; message: string };
  expect(error.code).toBe(code);
  expectHumanMessage(error.message);
  return error.message;
}

function expectHumanMessage(message: string) {
  expect(message.length).toBeGreaterThan(20);
  expect(message).not.toMatch(/sharp|vips|libspng|libjpeg|Error:|undefined|null|NaN|\bat .+\(.*:\d+:\d+\)|\n/i);
  expect(message).toMatch(/^[A-Z]/);
  expect(message).toMatch(/[.!]$/);
}

const crcTable = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function pngChunk(type: string, data: Uint8Array): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}
/** A structurally valid PNG (correct CRCs) whose IHDR claims width × height, RGB 8-bit. */
function pngClaiming(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', zlib.deflateSync(Buffer.alloc(1 + width * 3))), // one row; the rest "missing"
    pngChunk('IEND', new Uint8Array(0)),
  ]);
}

const solid = (width: number, height: number, background: sharp.Color, channels: 3 | 4 = 3) =>
  sharp({ create: { width, height, channels, background } });

/** A photo-like JPEG: a gradient with a circle, so that cutting it in half cuts real scan data. */
async function photoJpeg(width = 800, height = 600): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <defs><linearGradient id="g"><stop offset="0" stop-color="#134"/><stop offset="1" stop-color="#fc8"/></linearGradient></defs>
    <rect width="100%" height="100%" fill="url(#g)"/><circle cx="${width / 2}" cy="${height / 2}" r="${height / 3}" fill="#c33"/></svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toBuffer();
}

/** The colour at (x, y) of an encoded image, as [r, g, b]. */
async function pixelAt(image: Uint8Array, x: number, y: number): Promise<number[]> {
  const { data, info } = await sharp(image).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const i = (y * info.width + x) * info.channels;
  return [data[i], data[i + 1], data[i + 2]];
}

const near = (actual: number[], expected: number[], tolerance = 24) =>
  actual.every((v, i) => Math.abs(v - expected[i]) <= tolerance);

async function canEncodeAvif(): Promise<boolean> {
  try {
    await solid(8, 8, '#f00').avif().toBuffer();
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------

describe('sniff', () => {
  it('recognises accepted images by their first bytes', async () => {
    const base = solid(4, 4, '#08f');
    expect(sniff(await base.clone().jpeg().toBuffer())).toMatchObject({ kind: 'image', format: 'jpeg' });
    expect(sniff(await base.clone().png().toBuffer())).toMatchObject({ kind: 'image', format: 'png' });
    expect(sniff(await base.clone().webp().toBuffer())).toMatchObject({ kind: 'image', format: 'webp' });
    expect(sniff(await base.clone().gif().toBuffer())).toMatchObject({ kind: 'image', format: 'gif' });
    // ISO-BMFF ftyp box with the avif brand (built by hand: works whether or not sharp can encode AVIF).
    const avifFtyp = Buffer.concat([Buffer.from([0, 0, 0, 0x1c]), Buffer.from('ftypavif\0\0\0\0mif1avifmiaf', 'latin1')]);
    expect(sniff(avifFtyp)).toMatchObject({ kind: 'image', format: 'avif' });
    const avisFtyp = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypavis\0\0\0\0msf1avis', 'latin1')]);
    expect(sniff(avisFtyp)).toMatchObject({ kind: 'image', format: 'avif' });
  });

  it('names common non-images', () => {
    const cases: [string | Buffer, string][] = [
      ['%PDF-1.7\n%âãÏÓ\n1 0 obj', 'pdf'],
      [Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0]), 'zip'],
      ['<?xml version="1.0"?>\n<!-- drawn by hand -->\n<svg xmlns="http://www.w3.org/2000/svg"></svg>', 'svg'],
      ['\ufeff  <svg onload="alert(1)"/>', 'svg'],
      ['<!DOCTYPE html><html><body>hi</body></html>', 'html'],
      ['<?xml version="1.0"?><note>hi</note>', 'xml'],
      ['{"image": "not really"}', 'json'],
      ['Shopping list:\n- milk\n- café crème\n', 'text'],
      ['BMW is a car, not a bitmap.', 'text'],
      ['MZ is just two letters here.', 'text'],
      [Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypheic\0\0\0\0mif1heic', 'latin1')]), 'heic'],
      [Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypisom\0\0\x02\0isomiso2', 'latin1')]), 'video'],
      [Buffer.from([0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0]), 'tiff'],
      [Buffer.from([0x42, 0x4d, 0x3a, 0, 0, 0, 0, 0, 0, 0, 0x36, 0, 0, 0]), 'bmp'],
      [Buffer.from([0x00, 0x01, 0x02, 0x03, 0xfe, 0xff, 0x10, 0x80]), 'unknown'],
    ];
    for (const [input, type] of cases) {
      const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
      expect(sniff(bytes), JSON.stringify(String(input).slice(0, 30))).toMatchObject({ kind: 'other', type });
    }
  });

  it('reads only the first bytes', () => {
    const pdfWithJpegLater = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(10_000), Buffer.from([0xff, 0xd8, 0xff])]);
    expect(sniff(pdfWithJpegLater)).toMatchObject({ kind: 'other', type: 'pdf' });
  });
});

describe('prepareUpload: hostile inputs', () => {
  it('rejects a 50 MB buffer with FILE_TOO_LARGE before looking inside', async () => {
    const big = Buffer.alloc(50 * 1024 * 1024);
    big.set([0xff, 0xd8, 0xff, 0xe0]); // looks like a JPEG: it must not matter
    const started = performance.now();
    const message = await expectRejected(big, 'FILE_TOO_LARGE');
    expect(performance.now() - started).toBeLessThan(100);
    expect(message).toContain('50 MB');
    expect(message).toContain('10 MB');
  });

  it('checks size before anything else, even for non-images', async () => {
    await expectRejected(Buffer.alloc(2048, 0x41), 'FILE_TOO_LARGE', { maxBytes: 1024 });
  });

  it('rejects zero bytes with EMPTY_FILE', async () => {
    await expectRejected(new Uint8Array(0), 'EMPTY_FILE');
  });

  it('rejects a text file, whatever its name, saying it is text', async () => {
    const message = await expectRejected(Buffer.from('These are my holiday notes, saved as holiday.jpg.\n'), 'UNSUPPORTED_FORMAT');
    expect(message).toContain('plain text');
    expect(message).toMatch(/JPEG, PNG, WebP, GIF or AVIF/);
  });

  it('always rejects SVG, even a valid one, because of scripts', async () => {
    const svg = `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">
  <script>fetch('/api/steal?c=' + document.cookie)</script>
  <rect width="100" height="100" fill="red"/>
</svg>`;
    const message = await expectRejected(Buffer.from(svg), 'UNSUPPORTED_FORMAT');
    expect(message).toContain('SVG');
    expect(message).toMatch(/PNG/);
  });

  it('rejects a PDF, naming it', async () => {
    const pdf = Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n', 'latin1');
    const message = await expectRejected(pdf, 'UNSUPPORTED_FORMAT');
    expect(message).toBe('This file is a PDF document, not a photo. Upload a JPEG, PNG, WebP, GIF or AVIF image.');
  });

  it('rejects HTML, ZIP and HEIC with messages that say what they are', async () => {
    expect(await expectRejected(Buffer.from('<!doctype html><title>x</title>'), 'UNSUPPORTED_FORMAT')).toContain('web page');
    expect(await expectRejected(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0, 8, 0]), 'UNSUPPORTED_FORMAT')).toContain('ZIP');
    const heic = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypheic\0\0\0\0mif1heic', 'latin1'), Buffer.alloc(64)]);
    expect(await expectRejected(heic, 'UNSUPPORTED_FORMAT')).toContain('HEIC');
  });

  it('rejects a format left out of allowedFormats', async () => {
    const gif = await solid(8, 8, '#0f0').gif().toBuffer();
    const message = await expectRejected(gif, 'UNSUPPORTED_FORMAT', { allowedFormats: ['jpeg', 'png'] });
    expect(message).toBe("GIF images aren't accepted here. Upload a JPEG or PNG image.");
  });

  it('rejects a truncated JPEG (a real one cut in half) with CORRUPT_IMAGE', async () => {
    const jpeg = await photoJpeg();
    // Untouched, it passes.
    await expect(prepareUpload(jpeg)).resolves.toMatchObject({ format: 'jpeg', width: 800, height: 600 });
    const message = await expectRejected(jpeg.subarray(0, jpeg.length >> 1), 'CORRUPT_IMAGE');
    expect(message).toContain('JPEG');
  });

  it('rejects a truncated PNG with CORRUPT_IMAGE', async () => {
    const png = await sharp(await photoJpeg(400, 300)).png().toBuffer();
    await expectRejected(png.subarray(0, png.length >> 1), 'CORRUPT_IMAGE');
  });

  it('rejects bytes that only start like a JPEG', async () => {
    await expectRejected(Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(200, 0x55)]), 'CORRUPT_IMAGE');
  });

  it('rejects a PNG whose header claims 100000 × 100000 by its header, fast and without the memory', async () => {
    const bomb = pngClaiming(100_000, 100_000);
    expect(bomb.length).toBeLessThan(1024);
    const rssBefore = process.memoryUsage().rss;
    const started = performance.now();
    const message = await expectRejected(bomb, 'IMAGE_TOO_LARGE');
    const elapsed = performance.now() - started;
    expect(elapsed).toBeLessThan(250);
    // Decoding would need 30 GB; reading the header needs next to nothing.
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(64 * 1024 * 1024);
    expect(message).toContain('100,000 × 100,000');
    expect(message).toContain('40 megapixels');
  });

  it('applies the pixel limit from the header to ordinary images too', async () => {
    const png = await solid(100, 100, '#123').png().toBuffer();
    const message = await expectRejected(png, 'IMAGE_TOO_LARGE', { maxPixels: 5_000 });
    expect(message).toBe(
      'This image is 100 × 100 pixels (10,000 pixels), which is more than the 5,000 pixels we accept. Make it smaller and upload it again.',
    );
  });
});

describe('prepareUpload: images', () => {
  it('re-encodes a JPEG and hashes the re-encoded bytes', async () => {
    const jpeg = await photoJpeg(320, 240);
    const result = await prepareUpload(jpeg);
    expect(result).toMatchObject({ format: 'jpeg', ext: 'jpg', mime: 'image/jpeg', sourceFormat: 'jpeg', width: 320, height: 240 });
    expect(Buffer.isBuffer(result.data)).toBe(true);
    expect(result.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(result.sha256).toBe(createHash('sha256').update(result.data).digest('hex'));
    // Deterministic: the same upload gets the same name.
    expect((await prepareUpload(jpeg)).sha256).toBe(result.sha256);
    expect(sniff(result.data)).toMatchObject({ format: 'jpeg' });
  });

  it('keeps the first frame of a two-frame GIF', async () => {
    const red = await solid(20, 10, '#ff0000').raw().toBuffer();
    const blue = await solid(20, 10, '#0000ff').raw().toBuffer();
    const gif = await sharp(Buffer.concat([red, blue]), { raw: { width: 20, height: 20, channels: 3, pageHeight: 10 } })
      .gif({ delay: [100, 100] })
      .toBuffer();
    expect((await sharp(gif).metadata()).pages).toBe(2);
    const result = await prepareUpload(gif);
    expect(result).toMatchObject({ sourceFormat: 'gif', format: 'jpeg', width: 20, height: 10 });
    expect(near(await pixelAt(result.data, 10, 5), [255, 0, 0])).toBe(true);
  });

  it('keeps the first frame of an animated WebP', async () => {
    const green = await solid(16, 16, '#00ff00').raw().toBuffer();
    const blue = await solid(16, 16, '#0000ff').raw().toBuffer();
    const webp = await sharp(Buffer.concat([green, blue]), { raw: { width: 16, height: 32, channels: 3, pageHeight: 16 } })
      .webp({ lossless: true })
      .toBuffer();
    const result = await prepareUpload(webp);
    expect(result).toMatchObject({ sourceFormat: 'webp', width: 16, height: 16 });
    expect(near(await pixelAt(result.data, 8, 8), [0, 255, 0])).toBe(true);
  });

  it('turns a JPEG with EXIF orientation 6 upright and drops EXIF and GPS', async () => {
    // Stored 40 × 20: left half red, right half blue. Orientation 6 = rotate 90° clockwise to view,
    // so upright it is 20 × 40 with red on top.
    const raw = Buffer.alloc(40 * 20 * 3);
    for (let y = 0; y < 20; y++)
      for (let x = 0; x < 40; x++) raw.set(x < 20 ? [255, 0, 0] : [0, 0, 255], (y * 40 + x) * 3);
    const input = await sharp(raw, { raw: { width: 40, height: 20, channels: 3 } })
      .jpeg({ quality: 95 })
      .withMetadata({ orientation: 6 })
      .withExif({
        IFD0: { Make: 'TestCam', Model: 'Leaky 3000' },
        IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 1234/100', GPSLongitudeRef: 'W', GPSLongitude: '0/1 7/1 3900/100' },
      })
      .withIccProfile('p3')
      .toBuffer();
    const before = await sharp(input).metadata();
    expect(before.orientation).toBe(6);
    expect(before.exif).toBeDefined();
    expect(before.exif!.includes(Buffer.from([0x25, 0x88]))).toBe(true); // GPSInfo pointer (tag 0x8825, little-endian)
    expect(before.icc).toBeDefined();

    const result = await prepareUpload(input);
    expect(result).toMatchObject({ width: 20, height: 40 });
    const after = await sharp(result.data).metadata();
    expect(after).toMatchObject({ width: 20, height: 40 });
    expect(after.orientation).toBeUndefined();
    expect(after.exif).toBeUndefined();
    expect(after.xmp).toBeUndefined();
    expect(after.icc).toBeUndefined();
    expect(result.data.includes(Buffer.from('Exif\0\0', 'latin1'))).toBe(false);
    expect(result.data.includes(Buffer.from('TestCam'))).toBe(false);
    expect(near(await pixelAt(result.data, 10, 5), [255, 0, 0], 40)).toBe(true);
    expect(near(await pixelAt(result.data, 10, 34), [0, 0, 255], 40)).toBe(true);
  });

  it('drops anything appended after the image', async () => {
    const jpeg = await photoJpeg(64, 64);
    const polyglot = Buffer.concat([jpeg, Buffer.from('PK\x03\x04<script>alert(1)</script>SECRET-PAYLOAD')]);
    const result = await prepareUpload(polyglot);
    expect(result.data.includes(Buffer.from('SECRET-PAYLOAD'))).toBe(false);
    expect(result.data.includes(Buffer.from('<script>'))).toBe(false);
  });

  it('keeps transparency as PNG', async () => {
    const png = await solid(30, 20, { r: 255, g: 0, b: 0, alpha: 0.5 }, 4).png().toBuffer();
    const result = await prepareUpload(png);
    expect(result).toMatchObject({ format: 'png', ext: 'png', mime: 'image/png', sourceFormat: 'png', width: 30, height: 20 });
    const meta = await sharp(result.data).metadata();
    expect(meta.format).toBe('png');
    expect(meta.hasAlpha).toBe(true);
    const { data } = await sharp(result.data).raw().toBuffer({ resolveWithObject: true });
    expect(Math.abs(data[3] - 128)).toBeLessThanOrEqual(1);
  });

  it('saves a PNG whose alpha channel is fully opaque as JPEG', async () => {
    const png = await solid(30, 20, { r: 0, g: 128, b: 255, alpha: 1 }, 4).png().toBuffer();
    expect((await sharp(png).metadata()).hasAlpha).toBe(true);
    const result = await prepareUpload(png);
    expect(result).toMatchObject({ format: 'jpeg', sourceFormat: 'png' });
    expect((await sharp(result.data).metadata()).hasAlpha).toBe(false);
  });

  it('handles 16-bit PNGs with transparency', async () => {
    const png16 = await solid(24, 16, { r: 10, g: 200, b: 30, alpha: 0.25 }, 4).toColourspace('rgb16').png().toBuffer();
    expect((await sharp(png16).metadata()).depth).toBe('ushort');
    const result = await prepareUpload(png16);
    expect(result).toMatchObject({ format: 'png', width: 24, height: 16 });
    const { pixels } = await toModelInput(result.data, 4);
    expect(pixels.length).toBe(4 * 4 * 3);
    expect(pixels.every((v) => v >= 0 && v <= 1)).toBe(true);
    // 25 % green over white.
    expect(pixels[1]).toBeGreaterThan(0.85);
    expect(pixels[0]).toBeGreaterThan(0.7);
  });

  it('accepts a WebP', async () => {
    const webp = await sharp(await photoJpeg(120, 80)).webp({ quality: 80 }).toBuffer();
    await expect(prepareUpload(webp)).resolves.toMatchObject({ sourceFormat: 'webp', format: 'jpeg', width: 120, height: 80 });
  });

  it('accepts a WebP with transparency as PNG', async () => {
    const webp = await solid(12, 12, { r: 0, g: 0, b: 0, alpha: 0 }, 4).webp({ lossless: true }).toBuffer();
    await expect(prepareUpload(webp)).resolves.toMatchObject({ sourceFormat: 'webp', format: 'png' });
  });

  it('accepts an AVIF (when this sharp build can encode one)', async (ctx) => {
    if (!(await canEncodeAvif())) {
      ctx.skip(); // Note: this sharp/libvips build has no AVIF encoder, so no AVIF can be made here.
      return;
    }
    const avif = await sharp(await photoJpeg(96, 64)).avif({ quality: 60 }).toBuffer();
    expect(sniff(avif)).toMatchObject({ kind: 'image', format: 'avif' });
    await expect(prepareUpload(avif)).resolves.toMatchObject({ sourceFormat: 'avif', format: 'jpeg', width: 96, height: 64 });
    await expectRejected(avif.subarray(0, avif.length >> 1), 'CORRUPT_IMAGE');
  });

  it.skipIf(!haveCorel)('accepts real Corel-5k photos', async () => {
    const first = await prepareUpload(fs.readFileSync(path.join(COREL_DIR, '100000.jpg')));
    expect(first.format).toBe('jpeg');
    expect([first.width, first.height].sort()).toEqual([128, 192]);
    const names = fs.readdirSync(COREL_DIR).filter((n) => n.endsWith('.jpg')).sort();
    const sample = names.filter((_, i) => i % Math.ceil(names.length / 40) === 0);
    for (const name of sample) {
      const result = await prepareUpload(fs.readFileSync(path.join(COREL_DIR, name)));
      expect([result.width, result.height].sort(), name).toEqual([128, 192]);
    }
  });
});

describe('toModelInput', () => {
  it('gives size × size × 3 floats in [0, 1]', async () => {
    const { pixels, size } = await toModelInput(await photoJpeg(192, 128));
    expect(size).toBe(128);
    expect(pixels).toBeInstanceOf(Float32Array);
    expect(pixels.length).toBe(128 * 128 * 3);
    let min = Infinity;
    let max = -Infinity;
    for (const v of pixels) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThanOrEqual(1);
    expect(max - min).toBeGreaterThan(0.3);
  });

  it('covers and crops the centre (no bars)', async () => {
    // 300 × 100: red | green | blue. The 100 × 100 centre is all green.
    const raw = Buffer.alloc(300 * 100 * 3);
    for (let y = 0; y < 100; y++)
      for (let x = 0; x < 300; x++) raw.set(x < 100 ? [255, 0, 0] : x < 200 ? [0, 255, 0] : [0, 0, 255], (y * 300 + x) * 3);
    const png = await sharp(raw, { raw: { width: 300, height: 100, channels: 3 } }).png().toBuffer();
    const { pixels } = await toModelInput(png, 16);
    const at = (x: number, y: number) => Array.from(pixels.subarray((y * 16 + x) * 3, (y * 16 + x) * 3 + 3));
    for (const [x, y] of [[8, 8], [2, 2], [13, 13], [8, 0], [8, 15]]) {
      const [r, g, b] = at(x, y);
      expect(g, `pixel ${x},${y}`).toBeGreaterThan(0.9);
      expect(r + b, `pixel ${x},${y}`).toBeLessThan(0.1);
    }
  });

  it('squashes the whole picture into the square when asked (fit: fill), as Flickr8k was prepared', async () => {
    // 300 × 100: red | green | blue, squashed to 15 × 15: three 5-pixel-wide bands.
    const raw = Buffer.alloc(300 * 100 * 3);
    for (let y = 0; y < 100; y++)
      for (let x = 0; x < 300; x++) raw.set(x < 100 ? [255, 0, 0] : x < 200 ? [0, 255, 0] : [0, 0, 255], (y * 300 + x) * 3);
    const png = await sharp(raw, { raw: { width: 300, height: 100, channels: 3 } }).png().toBuffer();
    const { pixels, size } = await toModelInput(png, 15, { fit: 'fill' });
    expect(size).toBe(15);
    const at = (x: number, y: number) => Array.from(pixels.subarray((y * 15 + x) * 3, (y * 15 + x) * 3 + 3));
    for (const [x, y, channel] of [[1, 7, 0], [7, 0, 1], [7, 14, 1], [13, 7, 2]]) {
      expect(at(x, y)[channel], `pixel ${x},${y}`).toBeGreaterThan(0.9);
    }
  });

  it('flattens transparency onto white and makes greyscale RGB', async () => {
    const clear = await solid(10, 10, { r: 0, g: 0, b: 0, alpha: 0 }, 4).png().toBuffer();
    const { pixels } = await toModelInput(clear, 8);
    expect(pixels.every((v) => v > 0.99)).toBe(true);

    const grey = await solid(10, 10, '#808080').toColourspace('b-w').png().toBuffer();
    expect((await sharp(grey).metadata()).channels).toBe(1);
    const out = await toModelInput(grey, 8);
    expect(out.pixels.length).toBe(8 * 8 * 3);
    expect(Math.abs(out.pixels[0] - 128 / 255)).toBeLessThan(0.02);
    expect(out.pixels[0]).toBeCloseTo(out.pixels[1], 5);
    expect(out.pixels[1]).toBeCloseTo(out.pixels[2], 5);
  });

  it('works on the output of prepareUpload, and fails with a human message on junk', async () => {
    const prepared = await prepareUpload(await photoJpeg(200, 150));
    await expect(toModelInput(prepared.data)).resolves.toMatchObject({ size: 128 });
    try {
      await toModelInput(Buffer.from('not an image'));
      expect.unreachable();
    } catch (error) {
      expect(isAppError(error) && error.code).toBe('CORRUPT_IMAGE');
      expectHumanMessage((error as Error).message);
    }
  });
});
