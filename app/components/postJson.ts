/** A failure as the API reports it (`{ error: { code, message } }`), or a lost connection. */
export interface Failure {
  code: string;
  message: string;
}

/**
 * POSTs JSON and resolves with the answer; rejects with a `Failure` a page can show as it is:
 * the API's own error, `NETWORK` when the connection failed, or `HTTP_<status>` with
 * `fallback` when the answer was not the API's JSON.
 */
export function postJson<T>(url: string, body: unknown, fallback: string): Promise<T> {
  return sendJson<T>('POST', url, body, fallback);
}

/** As `postJson`, with any method; no body when `body` is undefined. */
export async function sendJson<T>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, body: unknown, fallback: string): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, body === undefined ? { method } : { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  } catch {
    throw { code: 'NETWORK', message: 'The connection to the server was lost. Please try again.' } satisfies Failure;
  }
  const answer = await response.json().catch(() => null);
  if (!response.ok) throw (answer?.error ?? { code: `HTTP_${response.status}`, message: fallback }) satisfies Failure;
  return answer as T;
}
