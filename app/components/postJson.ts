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
export async function postJson<T>(url: string, body: unknown, fallback: string): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  } catch {
    throw { code: 'NETWORK', message: 'The connection to the server was lost. Please try again.' } satisfies Failure;
  }
  const answer = await response.json().catch(() => null);
  if (!response.ok) throw (answer?.error ?? { code: `HTTP_${response.status}`, message: fallback }) satisfies Failure;
  return answer as T;
}
