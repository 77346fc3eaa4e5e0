/**
 * POSTs a file as multipart form data with XMLHttpRequest, which (unlike fetch) reports upload
 * progress: `onProgress(fraction)` while the bytes go out, `onSent()` once they all have (the
 * server is then working on it). `fields` are sent as text fields beside the file (e.g. a `model`
 * choice). Resolves with the status and the JSON body; rejects only when the connection fails.
 */
export function sendFile(
  url: string,
  file: File,
  onProgress: (fraction: number) => void,
  onSent: () => void,
  fields: Record<string, string> = {},
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.responseType = 'json';
    xhr.upload.onprogress = (event) => event.lengthComputable && onProgress(event.loaded / event.total);
    xhr.upload.onload = onSent;
    xhr.onload = () => resolve({ status: xhr.status, body: xhr.response });
    xhr.onerror = () => reject(new Error('network'));
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    form.append('file', file);
    xhr.send(form);
  });
}
