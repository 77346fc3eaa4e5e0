/** Prometheus metrics of the model server (served as text at /api/metrics). */
import client from 'prom-client';

export class ModelServerMetrics {
  readonly registry = new client.Registry();

  readonly queueDepth = new client.Gauge({
    name: 'model_queue_depth',
    help: 'Requests waiting in a model queue',
    labelNames: ['model'] as const,
    registers: [this.registry],
  });

  readonly batchSize = new client.Histogram({
    name: 'model_batch_size',
    help: 'Requests served by one forward pass',
    labelNames: ['model'] as const,
    buckets: [1, 2, 4, 8, 16, 32, 64, 128],
    registers: [this.registry],
  });

  readonly latency = new client.Histogram({
    name: 'model_request_seconds',
    help: 'Time from a request entering the queue to its answer',
    labelNames: ['model', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });

  readonly queueWait = new client.Histogram({
    name: 'model_queue_wait_seconds',
    help: 'Time a request waited before its forward pass started',
    labelNames: ['model'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers: [this.registry],
  });

  readonly requests = new client.Counter({
    name: 'model_requests_total',
    help: 'Requests by outcome (ok, busy, timeout, cancelled, failed, crashed)',
    labelNames: ['model', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly workerRestarts = new client.Counter({
    name: 'model_worker_restarts_total',
    help: 'Workers that died and were replaced',
    registers: [this.registry],
  });

  constructor() {
    client.collectDefaultMetrics({ register: this.registry });
  }
}
