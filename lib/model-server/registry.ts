/**
 * Every servable the server can serve, and how it is batched: read from the models' manifests
 * (`models/<name>/index.ts`, listed in `models/index.ts`), which say, per servable, its module,
 * checkpoint, batching and deadline. A servable's `timeoutMs` is how long its callers wait at most,
 * queueing included; admission turns a request away at once when the work ahead of it could not be
 * done in that time. Those that answer in milliseconds get a deadline of seconds; the rest take
 * MODEL_TIMEOUT_MS. Every servable may hold all workers but one (maxWorkers).
 */
import { SERVABLES } from '@/models';
import type { ModelSpec } from './types';

export const MODELS: readonly ModelSpec[] = SERVABLES;
