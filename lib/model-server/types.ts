/** The small interface every model and every model-server client shares. */
import type { ServableRef } from './servable';

/** Anything with a servable's name: a manifest's servable, or a name that arrived over HTTP. */
export interface Named {
  readonly name: string;
}

/** Progress of one long request: a drawing step, a Gibbs sweep, a mean-field iteration. */
export interface ProgressEvent {
  step: number;
  total: number;
  message?: string;
  /** Anything the page can show while the request runs (a partial canvas, current tags). */
  preview?: unknown;
}

export interface BatchContext {
  /** Reports progress for item `index` of the batch. */
  progress(index: number, event: ProgressEvent): void;
  /**
   * True once the caller of item `index` has gone away. Long loops check it between steps (and
   * await between steps, e.g. `await tf.nextFrame()`, so the cancel message can arrive).
   */
  cancelled(index: number): boolean;
}

/** What a model module exports as `servable`: loaded once per worker, then run on batches. */
export interface ServableModel<I = unknown, O = unknown> {
  /** Loads weights; returns the version (checkpoint hash) recorded with everything it makes. */
  load(): Promise<{ version: string }>;
  /** One forward pass over a batch of inputs; returns one output per input, in order. */
  runBatch(inputs: I[], ctx: BatchContext): Promise<O[]>;
}

/** How the server serves one model. */
export interface ModelSpec {
  name: string;
  /** Module exporting `servable`, relative to the project root. */
  module: string;
  /** Largest batch; 1 turns micro-batching off. */
  maxBatch?: number;
  /** How long the first request of a batch waits for others to join. */
  maxWaitMs?: number;
  /** Requests waiting before new ones are turned away with SERVER_BUSY. */
  queueLimit?: number;
  /** Per-request limit, queueing included. */
  timeoutMs?: number;
  /**
   * Most workers this model may hold at once. By default every worker but one (when there are
   * several), so a model with a flood of slow requests never holds the whole pool: the other models
   * keep answering.
   */
  maxWorkers?: number;
}

export interface RunOptions {
  signal?: AbortSignal;
  onProgress?: (event: ProgressEvent) => void;
  timeoutMs?: number;
}

export interface RunResult<O> {
  output: O;
  model: string;
  modelVersion: string;
  backend: string;
  /** How many requests shared the forward pass. */
  batchSize: number;
  queueMs: number;
  runMs: number;
}

export interface WorkerHealth {
  id: number;
  backend: string | null;
  busy: boolean;
  /** The model whose batch it is running. */
  model?: string;
  models: Record<string, string>;
  skipped?: string[];
}

export interface ModelQueueHealth {
  waiting: number;
  running: number;
  /** Requests that may wait before new ones are turned away. */
  limit: number;
  /** Most workers the model may hold at once. */
  maxWorkers: number;
  /** Measured cost of one request, once one has run (ms of a worker's time). */
  msPerRequest?: number;
  /** A worker is still busy with this model's batch after every caller in it gave up. */
  stuck: boolean;
}

export interface ModelServerHealth {
  mode: 'embedded' | 'remote';
  ok: boolean;
  workers: WorkerHealth[];
  queues: Record<string, ModelQueueHealth>;
  models: string[];
  restarts: number;
  /** Why the last worker died, if one did. */
  lastCrash?: string;
}

/** Embedded server and remote client alike. */
export interface ModelClient {
  /**
   * Runs one input through a servable of a model's manifest (`models/<name>/index.ts`): the input
   * and output types are the servable's contract.
   */
  run<I, O>(servable: ServableRef<I, O>, input: I, options?: RunOptions): Promise<RunResult<O>>;
  /**
   * Throws the SERVER_BUSY that `run` would, without queueing anything: lets a caller turn a
   * request away before it writes a record of it.
   */
  admit(servable: Named, options?: Pick<RunOptions, 'timeoutMs'>): Promise<void>;
  health(): Promise<ModelServerHealth>;
  close(): Promise<void>;
}
