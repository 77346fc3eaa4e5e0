/** Hostile uploads, built in memory: nothing large or malicious is committed. */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

export const SHARED_DATA = path.resolve('../shared/data');
export const corelPhoto = (id: string) => path.join(SHARED_DATA, 'corel5k', 'images', `${id}.jpg`);

/** One PNG chunk: length, type, data, CRC. */
export function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body) >>> 0);
  return Buffer.concat([length, body, crc]);
}

/** A valid PNG header claiming 100000 × 100000 pixels (40 GB decoded), with a tiny IDAT. */
export function hugePngHeader(): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(100_000, 0);
  ihdr.writeUInt32BE(100_000, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', zlib.deflateSync(Buffer.alloc(1024))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

export function truncatedJpeg(): Buffer {
  const jpeg = fs.readFileSync(corelPhoto('100000'));
  return jpeg.subarray(0, Math.floor(jpeg.length / 2));
}

export const svgWithScript = () => Buffer.from('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script><rect width="10" height="10"/></svg>');
export const textFile = () => Buffer.from('Shopping list\n- milk\n- eggs\n');
export const fiftyMegabytes = () => Buffer.alloc(50 * 1024 * 1024, 0xff);
