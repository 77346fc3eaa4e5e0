// Writes public/favicon.ico from public/icon.svg: the browser tab's icon for browsers (and bots)
// that ask for /favicon.ico, at 16, 32 and 48 px. Run after changing the SVG: node scripts/favicon.mjs
import fs from 'node:fs';
import sharp from 'sharp';

const SIZES = [16, 32, 48];
const svg = fs.readFileSync('public/icon.svg');
const pngs = await Promise.all(SIZES.map((size) => sharp(svg, { density: (72 * size) / 64 * 4 }).resize(size, size).png().toBuffer()));

// An ICO file: a 6-byte header, a 16-byte entry per image, then the images (PNG inside ICO: Windows Vista on, every browser).
const header = Buffer.alloc(6);
header.writeUInt16LE(0, 0);
header.writeUInt16LE(1, 2);
header.writeUInt16LE(pngs.length, 4);
let offset = 6 + 16 * pngs.length;
const entries = pngs.map((png, i) => {
  const entry = Buffer.alloc(16);
  entry.writeUInt8(SIZES[i] % 256, 0);
  entry.writeUInt8(SIZES[i] % 256, 1);
  entry.writeUInt8(0, 2);
  entry.writeUInt8(0, 3);
  entry.writeUInt16LE(1, 4);
  entry.writeUInt16LE(32, 6);
  entry.writeUInt32LE(png.length, 8);
  entry.writeUInt32LE(offset, 12);
  offset += png.length;
  return entry;
});
fs.writeFileSync('public/favicon.ico', Buffer.concat([header, ...entries, ...pngs]));
console.log(`public/favicon.ico: ${SIZES.join(', ')} px, ${offset} bytes`);
