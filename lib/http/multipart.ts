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
