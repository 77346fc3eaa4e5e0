/**
 * Reading a request body, never more than a cap. A body whose Content-Length is over the cap is
 * refused before a byte of it is read; one sent without a length (chunked) is counted while it
 * arrives and refused as soon as it passes the cap, its stream cancelled. So a 100 MB body costs
 * the server at most the cap in memory, whichever way it is sent. JSON routes read through
 * `readJson`, uploads through `readUploadedFile` (multipart.ts); both end in `readBodyBytes`.
 *
 * The connection a refused body was still arriving on is closed by the server once the answer is
 * sent (lib/http/server.ts), so the next request never waits behind the unread bytes.
 */
import { AppError } from '@/lib/errors';

/** "64 KB", "4 MB": a cap as people read it. */
export function formatBytes(bytes: number): string {
  const MB = 1024 * 1024;
  if (bytes >= MB) return `${Number((bytes / MB).toFixed(1))} MB`;
  if (bytes >= 1024) return `${Number((bytes / 1024).toFixed(1))} KB`;
  return `${bytes} bytes`;
}

export const bodyTooLarge = (maxBytes: number) => new AppError('BODY_TOO_LARGE', `The request body is larger than this request's ${formatBytes(maxBytes)} limit.`);

/** The body's bytes; throws `tooLarge()` as soon as the body is known to be longer than `limit` bytes. */
export async function readBodyBytes(request: Request, limit: number, tooLarge: () => AppError = () => bodyTooLarge(limit)): Promise<Uint8Array> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > limit) throw tooLarge();
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    let next: ReadableStreamReadResult<Uint8Array>;
    try {
      next = await reader.read();
    } catch (error) {
      if (request.signal.aborted) throw new AppError('CANCELLED', 'The request was cancelled before its body arrived.', { cause: error });
      throw new AppError('BAD_REQUEST', 'The request body was cut off. Please send it again.', { cause: error });
    }
    if (next.done) break;
    size += next.value.byteLength;
    if (size > limit) {
      // Not awaited: the answer should not wait on the stream's teardown.
      reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(next.value);
  }
  if (chunks.length === 1) return chunks[0];
  const body = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.byteLength;
  }
  return body;
}

export interface JsonBodyOptions {
  /** The largest body accepted, in bytes (UTF-8). */
  maxBytes: number;
  /** What to send, quoted in the error messages: `{ "count": 16 }`. */
  example: string;
  /** The value an empty body stands for, when the route accepts one; without it an empty body is an error. */
  whenEmpty?: unknown;
}

const JSON_CONTENT_TYPE = /^\s*application\/json\s*(;|$)/i;

/**
 * A JSON request body. BAD_REQUEST when it is not sent as application/json, is not UTF-8 or not
 * JSON (`example` says what to send); BODY_TOO_LARGE (413) past `maxBytes`, refused while reading.
 */
export async function readJson(request: Request, options: JsonBodyOptions): Promise<unknown> {
  const sendJson = () => new AppError('BAD_REQUEST', `Send JSON (content-type: application/json): ${options.example}.`);
  const isJson = JSON_CONTENT_TYPE.test(request.headers.get('content-type') ?? '');
  if (!isJson && options.whenEmpty === undefined) throw sendJson();
  const bytes = await readBodyBytes(request, options.maxBytes);
  if (bytes.byteLength === 0 && options.whenEmpty !== undefined) return options.whenEmpty;
  if (!isJson) throw sendJson();
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new AppError('BAD_REQUEST', `The request body is not UTF-8 text. Send ${options.example}.`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError('BAD_REQUEST', `The request body is not valid JSON. Send ${options.example}.`);
  }
}
