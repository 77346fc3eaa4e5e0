/** Server-sent events from a route handler: progress while a job runs, then its result. */

export type SendEvent = (event: string, data: unknown) => void;

/**
 * Streams events produced by `produce`. When the browser goes away, `signal` aborts, so the work
 * behind the stream (a model request) is cancelled too.
 */
export function eventStream(request: Request, produce: (send: SendEvent, signal: AbortSignal) => Promise<void>): Response {
  const encoder = new TextEncoder();
  const controller = new AbortController();
  request.signal.addEventListener('abort', () => controller.abort(), { once: true });
  const stream = new ReadableStream<Uint8Array>({
    async start(sink) {
      const send: SendEvent = (event, data) => {
        if (controller.signal.aborted) return;
        try {
          sink.enqueue(encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
        } catch {
          controller.abort();
        }
      };
      try {
        await produce(send, controller.signal);
      } finally {
        try {
          sink.close();
        } catch {
          // already closed by the client going away
        }
      }
    },
    cancel() {
      controller.abort();
    },
  });
  return new Response(stream, {
    headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' },
  });
}
