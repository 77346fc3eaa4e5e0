/**
 * A ModelClient that talks to a standalone model server (`npm run model-server`, MODEL_SERVER_URL),
 * e.g. one GPU machine shared by several app instances. Same interface as the embedded server.
 */
import { AppError, ERRORS, type ErrorCode } from '@/lib/errors';
import { decode, encode } from './codec';
import type { ServableRef } from './servable';
import type { ModelClient, ModelServerHealth, Named, ProgressEvent, RunOptions, RunResult } from './types';

export class RemoteModelClient implements ModelClient {
  constructor(private readonly baseUrl: string) {}

  async run<I, O>(servable: ServableRef<I, O>, input: I, options: RunOptions = {}): Promise<RunResult<O>> {
    const model = servable.name;
    let response: Response;
    try {
      response = await fetch(new URL(`/v1/models/${encodeURIComponent(model)}/run`, this.baseUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ input: encode(input), timeoutMs: options.timeoutMs }),
        signal: options.signal,
      });
    } catch (error) {
      throw this.transportError(error, options.signal);
    }
    if (!response.ok || !response.body) {
      const body = (await response.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
      throw toAppError(body?.error, response.headers.get('retry-after'));
    }
    try {
      for await (const { event, data } of readEvents(response.body)) {
        const payload = JSON.parse(data);
        if (event === 'progress') options.onProgress?.(decode(payload) as ProgressEvent);
        else if (event === 'result') return { ...payload, output: decode(payload.output) } as RunResult<O>;
        else if (event === 'error') throw toAppError(payload, payload.retryAfter);
      }
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw this.transportError(error, options.signal);
    }
    throw new AppError('MODEL_SERVER_UNREACHABLE', 'The model server closed the connection before answering. Please try again.');
  }

  async admit(servable: Named, options: Pick<RunOptions, 'timeoutMs'> = {}): Promise<void> {
    const url = new URL(`/v1/models/${encodeURIComponent(servable.name)}/admission`, this.baseUrl);
    if (options.timeoutMs !== undefined) url.searchParams.set('timeoutMs', String(options.timeoutMs));
    let response: Response;
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(5000) });
    } catch (error) {
      throw this.transportError(error);
    }
    if (response.ok) return;
    const body = (await response.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
    throw toAppError(body?.error, response.headers.get('retry-after'));
  }

  async health(): Promise<ModelServerHealth> {
    try {
      const response = await fetch(new URL('/health', this.baseUrl), { signal: AbortSignal.timeout(5000) });
      return { ...((await response.json()) as ModelServerHealth), mode: 'remote' };
    } catch (error) {
      throw this.transportError(error);
    }
  }

  async metricsText(): Promise<string> {
    const response = await fetch(new URL('/metrics', this.baseUrl), { signal: AbortSignal.timeout(5000) });
    return response.text();
  }

  async close(): Promise<void> {}

  private transportError(error: unknown, signal?: AbortSignal): AppError {
    if (signal?.aborted) return new AppError('CANCELLED', 'The request was cancelled.');
    return new AppError('MODEL_SERVER_UNREACHABLE', `The model server at ${this.baseUrl} cannot be reached. Is it running?`, { cause: error });
  }
}

function toAppError(error: { code?: string; message?: string } | undefined, retryAfter?: string | number | null): AppError {
  const code = error?.code && Object.hasOwn(ERRORS, error.code) ? (error.code as ErrorCode) : 'MODEL_FAILED';
  return new AppError(code, error?.message ?? 'The model server could not answer.', {
    retryAfter: retryAfter == null ? undefined : Number(retryAfter),
  });
}

/** Parses a server-sent event stream into { event, data } records. */
export async function* readEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<{ event: string; data: string }> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const record = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of record.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
      }
      if (data.length > 0) yield { event, data: data.join('\n') };
    }
  }
}
