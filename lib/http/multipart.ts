/** Reading one uploaded file from a multipart/form-data request, never more than the size cap. */
import { AppError } from '@/lib/errors';
import { readBodyBytes } from './body';

/** Room for the multipart boundaries and headers around the file itself. */
const ENVELOPE_BYTES = 64 * 1024;

const tooLarge = (maxBytes: number) =>
  new AppError('FILE_TOO_LARGE', `This file is larger than the ${Math.round(maxBytes / (1024 * 1024))} MB limit. Please upload a smaller photo.`);

/**
 * The file in `field`, its name, and the form's other text fields (`fields`: e.g. a `model` choice
 * sent beside the photo).
 */
export async function readUploadedFile(
  request: Request,
  field: string,
  maxBytes: number,
): Promise<{ bytes: Uint8Array; name: string | null; fields: Record<string, string> }> {
  const contentType = request.headers.get('content-type') ?? '';
  if (!contentType.startsWith('multipart/form-data')) {
    throw new AppError('NO_FILE', `Send the photo as multipart/form-data with the file in a field called "${field}".`);
  }
  const body = await readBodyBytes(request, maxBytes + ENVELOPE_BYTES, () => tooLarge(maxBytes));
  let form: FormData;
  try {
    form = await new Response(body as BodyInit, { headers: { 'content-type': contentType } }).formData();
  } catch {
    throw new AppError('BAD_REQUEST', 'The upload was cut off or is not valid multipart/form-data. Please try again.');
  }
  const file = form.get(field);
  if (!(file instanceof File)) throw new AppError('NO_FILE', `No file was sent. Choose a photo and send it in the "${field}" field.`);
  if (file.size > maxBytes) throw tooLarge(maxBytes);
  const fields: Record<string, string> = {};
  for (const [key, value] of form.entries()) if (key !== field && typeof value === 'string') fields[key] = value;
  return { bytes: new Uint8Array(await file.arrayBuffer()), name: file.name || null, fields };
}

/** One file of a form, as sent. */
export interface SentFile {
  name: string | null;
  bytes: Uint8Array;
}

/**
 * Every file in `field` (several photos, or a ZIP of them) and the form's text fields. The whole
 * body is capped at `maxTotalBytes` while it is read (413 BATCH_TOO_LARGE past it), and there are
 * at most `maxFiles` files; the per-file cap is the caller's to check, file by file, so that one
 * photo too large is refused by name while the rest go on.
 */
export async function readUploadedFiles(
  request: Request,
  field: string,
  limits: { maxTotalBytes: number; maxFiles: number },
): Promise<{ files: SentFile[]; fields: Record<string, string> }> {
  const contentType = request.headers.get('content-type') ?? '';
  if (!contentType.startsWith('multipart/form-data')) {
    throw new AppError('NO_FILE', `Send the photos as multipart/form-data, each in a field called "${field}" (or one ZIP of them).`);
  }
  const mb = Math.round(limits.maxTotalBytes / (1024 * 1024));
  const body = await readBodyBytes(
    request,
    limits.maxTotalBytes + ENVELOPE_BYTES,
    () => new AppError('BATCH_TOO_LARGE', `These photos come to more than ${mb} MB in one request. Send them in smaller batches (or upload them one by one and tag them by id).`),
  );
  let form: FormData;
  try {
    form = await new Response(body as BodyInit, { headers: { 'content-type': contentType } }).formData();
  } catch {
    throw new AppError('BAD_REQUEST', 'The upload was cut off or is not valid multipart/form-data. Please try again.');
  }
  const entries = form.getAll(field).filter((value): value is File => value instanceof File);
  if (entries.length === 0) throw new AppError('NO_FILE', `No file was sent. Choose photos (or a ZIP of them) and send each in the "${field}" field.`);
  if (entries.length > limits.maxFiles) {
    throw new AppError('BATCH_TOO_LARGE', `${entries.length} files were sent; a batch takes at most ${limits.maxFiles}. Send them in smaller batches.`);
  }
  const files = await Promise.all(entries.map(async (file) => ({ name: file.name || null, bytes: new Uint8Array(await file.arrayBuffer()) })));
  const fields: Record<string, string> = {};
  for (const [key, value] of form.entries()) if (key !== field && typeof value === 'string') fields[key] = value;
  return { files, fields };
}
