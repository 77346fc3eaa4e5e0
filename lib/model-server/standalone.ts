/**
 * `npm run model-server`: the model server on its own, e.g. on a GPU machine, shared by app
 * instances that set MODEL_SERVER_URL=http://that-host:MODEL_SERVER_PORT.
 *
 *   POST /v1/models/:name/run   { input, timeoutMs? } → server-sent events: progress…, then result or error
 *   GET  /v1/models/:name/admission?timeoutMs=  200 when a request would be queued now, else the
 *                               error `run` would answer (SERVER_BUSY with Retry-After, …)
 *   GET  /health                JSON
 *   GET  /metrics               Prometheus text
 */
import http from 'node:http';
import { z } from 'zod';
import { env } from '@/lib/env';
import { AppError, toAppError } from '@/lib/errors';
import { decode, encode } from './codec';
import { createEmbeddedServer } from './index';
import type { ModelServer } from './server';

const runBody = z.object({ input: z.unknown(), timeoutMs: z.number().int().positive().optional() });

export function createModelHttpServer(server: ModelServer, maxBodyBytes = 64 * 1024 * 1024): http.Server {
  return http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const sendJson = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    try {
      if (req.method === 'GET' && url.pathname === '/health') return sendJson(200, await server.health());
      if (req.method === 'GET' && url.pathname === '/metrics') {
        res.writeHead(200, { 'content-type': server.metrics.registry.contentType });
        return res.end(await server.metrics.registry.metrics());
      }
      const admission = /^\/v1\/models\/([\w-]+)\/admission$/.exec(url.pathname);
      if (req.method === 'GET' && admission) {
        const timeoutMs = z.coerce.number().int().positive().optional().safeParse(url.searchParams.get('timeoutMs') ?? undefined);
        await server.admit({ name: admission[1] }, { timeoutMs: timeoutMs.success ? timeoutMs.data : undefined });
        return sendJson(200, { ok: true });
      }
      const match = /^\/v1\/models\/([\w-]+)\/run$/.exec(url.pathname);
      if (req.method !== 'POST' || !match) throw new AppError('NOT_FOUND', `No such endpoint: ${req.method} ${url.pathname}`);

      const body = runBody.safeParse(JSON.parse(await readBody(req, maxBodyBytes)));
      if (!body.success) throw new AppError('BAD_REQUEST', 'The request body must be { input, timeoutMs? }.');
      const abort = new AbortController();
      res.on('close', () => abort.abort());
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
      const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      try {
        const result = await server.run({ name: match[1] }, decode(body.data.input), {
          signal: abort.signal,
          timeoutMs: body.data.timeoutMs,
          // Encoded like the result, so typed arrays in a preview arrive as typed arrays.
          onProgress: (event) => send('progress', encode(event)),
        });
        send('result', { ...result, output: encode(result.output) });
      } catch (error) {
        const appError = toAppError(error);
        send('error', { ...appError.toJSON(), retryAfter: appError.retryAfter });
      }
      res.end();
    } catch (error) {
      const appError = error instanceof SyntaxError ? new AppError('BAD_REQUEST', 'The request body is not valid JSON.') : toAppError(error);
      if (res.headersSent) return res.end();
      sendJson(appError.status, { error: appError.toJSON() }, appError.retryAfter ? { 'retry-after': String(appError.retryAfter) } : {});
    }
  });
}

function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new AppError('FILE_TOO_LARGE', 'The request body is too large.'));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const server = createEmbeddedServer();
  const httpServer = createModelHttpServer(server);
  httpServer.listen(env.MODEL_SERVER_PORT, () => {
    console.log(`Model server listening on http://localhost:${env.MODEL_SERVER_PORT} (${env.MODEL_WORKERS} workers, backend ${env.MODEL_BACKEND})`);
  });
  const stop = async () => {
    httpServer.close();
    await server.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
