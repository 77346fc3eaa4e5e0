import { getModelServer, ModelServer, RemoteModelClient } from '@/lib/model-server';
import { errorResponse } from '@/lib/http/respond';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** Prometheus text: queue depth, batch sizes, latency histograms of the model server. */
export async function GET() {
  const server = getModelServer();
  try {
    if (server instanceof ModelServer) {
      return new Response(await server.metrics.registry.metrics(), { headers: { 'content-type': server.metrics.registry.contentType } });
    }
    const text = await (server as RemoteModelClient).metricsText();
    return new Response(text, { headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' } });
  } catch (error) {
    return errorResponse(error);
  }
}
