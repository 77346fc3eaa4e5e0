/**
 * What a file really is, from its first bytes only. The file name and the MIME type the browser
 * sends are chosen by the client and are never trusted. Images we accept are recognised by their
 * signatures; common non-images are recognised too, only so the message can tell the person what
 * they actually sent ("This file is a PDF document, …").
 */

/** The image formats the upload pipeline can accept. */
export const IMAGE_FORMATS = ['jpeg', 'png', 'webp', 'gif', 'avif'] as const;
export type ImageFormat = (typeof IMAGE_FORMATS)[number];

/** Things that are not an accepted image, named for the error message. */
export type OtherKind =
  | 'svg'
  | 'html'
  | 'xml'
  | 'json'
  | 'text'
  | 'pdf'
  | 'zip'
  | 'gzip'
  | 'rar'
  | '7z'
  | 'heic'
  | 'tiff'
  | 'bmp'
  | 'ico'
  | 'psd'
  | 'jxl'
  | 'video'
  | 'audio'
  | 'executable'
  | 'unknown';

export type SniffResult =
  | { kind: 'image'; format: ImageFormat; mime: string }
  | { kind: 'other'; type: OtherKind; /** "a PDF document", for messages. */ description: string };

/** How many leading bytes `sniff` looks at (enough to find `<svg` after an XML prologue). */
export const SNIFF_BYTES = 4096;

export const IMAGE_MIME: Record<ImageFormat, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  avif: 'image/avif',
};

/** Names for people: "JPEG", "PNG", … */
export const IMAGE_FORMAT_NAMES: Record<ImageFormat, string> = {
  jpeg: 'JPEG',
  png: 'PNG',
  webp: 'WebP',
  gif: 'GIF',
  avif: 'AVIF',
};

const OTHER_DESCRIPTIONS: Record<OtherKind, string> = {
  svg: 'an SVG drawing',
  html: 'a web page (HTML)',
  xml: 'an XML document',
  json: 'a JSON file',
  text: 'a plain text file',
  pdf: 'a PDF document',
  zip: 'a ZIP archive (or a document saved as one, such as .docx or .xlsx)',
  gzip: 'a compressed (gzip) archive',
  rar: 'a RAR archive',
  '7z': 'a 7-Zip archive',
  heic: 'a HEIC/HEIF photo',
  tiff: 'a TIFF image',
  bmp: 'a BMP image',
  ico: 'an icon file (ICO)',
  psd: 'a Photoshop document (PSD)',
  jxl: 'a JPEG XL image',
  video: 'a video',
  audio: 'an audio file',
  executable: 'a program',
  unknown: 'a file we could not recognise',
};

const image = (format: ImageFormat): SniffResult => ({ kind: 'image', format, mime: IMAGE_MIME[format] });
const other = (type: OtherKind): SniffResult => ({ kind: 'other', type, description: OTHER_DESCRIPTIONS[type] });

function startsWith(bytes: Uint8Array, signature: readonly number[], offset = 0): boolean {
  if (bytes.length < offset + signature.length) return false;
  for (let i = 0; i < signature.length; i++) if (bytes[offset + i] !== signature[i]) return false;
  return true;
}

function ascii(bytes: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < Math.min(end, bytes.length); i++) s += String.fromCharCode(bytes[i]);
  return s;
}

const u32be = (b: Uint8Array, o: number) => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;

/** Brands of an ISO-BMFF `ftyp` box (major brand first), or null when the file has none. */
function ftypBrands(bytes: Uint8Array): string[] | null {
  if (bytes.length < 16 || ascii(bytes, 4, 8) !== 'ftyp') return null;
  const boxSize = u32be(bytes, 0);
  // A real ftyp box is small; 8 header + 4 major + 4 minor + n×4 compatible.
  const end = Math.min(boxSize >= 16 && boxSize <= 4096 ? boxSize : 16, bytes.length);
  const brands = [ascii(bytes, 8, 12)];
  for (let o = 16; o + 4 <= end; o += 4) brands.push(ascii(bytes, o, o + 4));
  return brands;
}

const HEIF_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'hevm', 'hevs', 'mif1', 'msf1', 'mif2']);
const VIDEO_BRANDS = new Set(['isom', 'iso2', 'iso4', 'iso5', 'iso6', 'mp41', 'mp42', 'avc1', 'qt  ', 'M4V ', '3gp4', '3gp5', '3g2a', 'dash', 'mmp4']);
const AUDIO_BRANDS = new Set(['M4A ', 'M4B ', 'M4P ', 'F4A ']);

/** The leading text of a file, if it reads as text (UTF-8/ASCII, optional BOM), else null. */
function leadingText(bytes: Uint8Array): string | null {
  let start = 0;
  if (startsWith(bytes, [0xef, 0xbb, 0xbf])) start = 3;
  else if (startsWith(bytes, [0xff, 0xfe]) || startsWith(bytes, [0xfe, 0xff])) {
    // UTF-16 text: decode it for the checks below.
    const le = bytes[0] === 0xff;
    let s = '';
    for (let i = 2; i + 1 < bytes.length; i += 2) s += String.fromCharCode(le ? bytes[i] | (bytes[i + 1] << 8) : (bytes[i] << 8) | bytes[i + 1]);
    return s;
  }
  let end = bytes.length;
  // Do not fail on a multi-byte character cut off by the sniff window: drop up to 3 trailing bytes.
  for (let back = 0; back < 3 && end > start && (bytes[end - 1] & 0xc0) === 0x80; back++) end--;
  if (end > start && bytes[end - 1] >= 0xc0) end--;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(start, end));
  } catch {
    return null;
  }
  // Control characters other than tab, newline, form feed and carriage return mean binary.
  if (/[\u0000-\u0008\u000b\u000e-\u001f\u007f]/.test(text)) return null;
  return text;
}

function sniffText(text: string): SniffResult {
  const t = text.trimStart();
  const lower = t.slice(0, SNIFF_BYTES).toLowerCase();
  if (lower.startsWith('<')) {
    if (/<svg[\s>/]/.test(lower) || lower.includes('<!doctype svg')) return other('svg');
    if (lower.startsWith('<!doctype html') || /<(html|head|body|script|iframe)[\s>/]/.test(lower)) return other('html');
    return other('xml');
  }
  if (lower.startsWith('{') || lower.startsWith('[')) return other('json');
  return other('text');
}

/**
 * Detects the format of a file from its first bytes (at most `SNIFF_BYTES` are read). Never looks
 * at the name or the client's MIME type.
 */
export function sniff(input: Uint8Array): SniffResult {
  const bytes = input.subarray(0, SNIFF_BYTES);

  // Images we accept.
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return image('jpeg');
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return image('png');
  if (ascii(bytes, 0, 6) === 'GIF87a' || ascii(bytes, 0, 6) === 'GIF89a') return image('gif');
  if (ascii(bytes, 0, 4) === 'RIFF' && bytes.length >= 12) {
    const riffType = ascii(bytes, 8, 12);
    if (riffType === 'WEBP') return image('webp');
    if (riffType === 'AVI ') return other('video');
    if (riffType === 'WAVE') return other('audio');
    return other('unknown');
  }
  const brands = ftypBrands(bytes);
  if (brands) {
    if (brands.includes('avif') || brands.includes('avis')) return image('avif');
    if (brands.some((b) => HEIF_BRANDS.has(b))) return other('heic');
    if (brands.some((b) => AUDIO_BRANDS.has(b))) return other('audio');
    if (brands.some((b) => VIDEO_BRANDS.has(b))) return other('video');
    return other('unknown');
  }

  // Images we do not accept.
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) return other('tiff');
  // 'BM' + file size + four reserved zero bytes (a text file may well start with "BM").
  if (ascii(bytes, 0, 2) === 'BM' && startsWith(bytes, [0, 0, 0, 0], 6)) return other('bmp');
  if (startsWith(bytes, [0x00, 0x00, 0x01, 0x00]) && bytes.length >= 6) return other('ico');
  if (ascii(bytes, 0, 4) === '8BPS') return other('psd');
  if (startsWith(bytes, [0xff, 0x0a]) || startsWith(bytes, [0, 0, 0, 0x0c, 0x4a, 0x58, 0x4c, 0x20])) return other('jxl');

  // Documents, archives, media, programs.
  if (ascii(bytes, 0, 5) === '%PDF-') return other('pdf');
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04]) || startsWith(bytes, [0x50, 0x4b, 0x05, 0x06]) || startsWith(bytes, [0x50, 0x4b, 0x07, 0x08]))
    return other('zip');
  if (startsWith(bytes, [0x1f, 0x8b])) return other('gzip');
  if (startsWith(bytes, [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07])) return other('rar');
  if (startsWith(bytes, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])) return other('7z');
  if (startsWith(bytes, [0x1a, 0x45, 0xdf, 0xa3])) return other('video'); // Matroska / WebM
  if (startsWith(bytes, [0x7f, 0x45, 0x4c, 0x46])) return other('executable'); // ELF

  // Text: SVG, HTML, XML, JSON or plain text.
  const text = leadingText(bytes);
  if (text === null) {
    // Short ASCII signatures, trusted only when the rest is binary (a note may start with "MZ").
    if (ascii(bytes, 0, 3) === 'ID3' || ascii(bytes, 0, 4) === 'fLaC' || ascii(bytes, 0, 4) === 'OggS') return other('audio');
    if (ascii(bytes, 0, 2) === 'MZ') return other('executable');
  }
  if (text !== null && text.trim().length > 0) return sniffText(text);
  return other('unknown');
}
