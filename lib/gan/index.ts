/**
 * The GAN page's service (`models/gan/`, served by the model server as `gan-mnist` and
 * `gan-omniglot`):
 *
 * - `models`: the GANs this server has a checkpoint for, with what the page shows of their
 *   training (the D and G curves, and the same 16 latents' samples after every epoch);
 * - `samples`, `interpolate`, `vary`: requests (checked by the routes with the schemas here) → the
 *   generator → 28×28 images (PNG data URLs) with the latent each came from, every result saved to the gallery with its seed and
 *   model version. A request names its latents by seeds (see models/gan/contract.ts), so the page
 *   can draw any of them again. All three answer in one model-server call, well under a second.
 */
import { randomInt } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { getDb, type Db } from '@/lib/db';
import { ModelVersions } from '@/lib/db/model-versions';
import { AppError, isAppError } from '@/lib/errors';
import { canvasPng, getGenerationService, type GenerationService, type GenerationView } from '@/lib/generations';
import { wholeNumber } from '@/lib/http/fields';
import type { Owner, Viewer } from '@/lib/owners';
import { getModelServer, type ModelClient } from '@/lib/model-server';
import {
  GAN_MODELS,
  GAN_SERVABLES,
  IMAGE_SIZE,
  loadMeta,
  loadSnapshots,
  MAX_NUDGES,
  MAX_SAMPLES,
  MAX_SEED,
  MAX_STEPS,
  type GanInput,
  type GanModel,
  type HistoryPoint,
  type LatentRef,
} from '@/models/gan';

export { GAN_MODELS, MAX_SAMPLES, MAX_SEED, MAX_STEPS, type GanModel, type LatentRef };

export const GENERATION_KIND = 'gan';
export const DEFAULT_MODEL: GanModel = 'gan-mnist';
export const DEFAULT_SAMPLES = 16;
export const DEFAULT_STEPS = 8;
export const DEFAULT_VARIATIONS = 8;
export const DEFAULT_AMOUNT = 0.3;

export const GAN_MODEL_INFO: Record<GanModel, { label: string; description: string }> = {
  'gan-mnist': { label: 'MNIST digits', description: 'Handwritten digits, 28×28, learned from 8,000 MNIST images.' },
  'gan-omniglot': {
    label: 'Omniglot characters',
    description: 'Handwritten characters, 28×28, learned from 4,672 drawings of the 292 characters in Omniglot’s small background splits.',
  },
};

const model = z.enum(GAN_MODELS, { error: `must be one of ${GAN_MODELS.join(', ')}` }).default(DEFAULT_MODEL);
const amount = z.number({ error: 'must be a number from 0.05 to 1' }).min(0.05, 'must be a number from 0.05 to 1').max(1, 'must be a number from 0.05 to 1');

/** A latent: its seed, or the seed and the nudges away from it. */
export const latentRef = z.union(
  [
    wholeNumber(0, MAX_SEED).transform((seed): LatentRef => ({ seed })),
    z.object({
      seed: wholeNumber(0, MAX_SEED),
      nudges: z.array(z.object({ seed: wholeNumber(0, MAX_SEED), amount }), { error: 'must be a list of { seed, amount }' }).max(MAX_NUDGES, `at most ${MAX_NUDGES} nudges`).optional(),
    }),
  ],
  { error: `must be a latent seed (a whole number from 0 to ${MAX_SEED}) or { seed, nudges: [{ seed, amount }] }` },
);

export const samplesRequest = z.object({ model, count: wholeNumber(1, MAX_SAMPLES).default(DEFAULT_SAMPLES), seed: wholeNumber(0, MAX_SEED).optional() });
export const interpolateRequest = z.object({ model, from: latentRef, to: latentRef, steps: wholeNumber(2, MAX_STEPS).default(DEFAULT_STEPS) });
export const varyRequest = z.object({
  model,
  latent: latentRef,
  count: wholeNumber(1, MAX_SAMPLES).default(DEFAULT_VARIATIONS),
  amount: amount.default(DEFAULT_AMOUNT),
  seed: wholeNumber(0, MAX_SEED).optional(),
});

export type SamplesRequest = z.output<typeof samplesRequest>;
export type InterpolateRequest = z.output<typeof interpolateRequest>;
export type VaryRequest = z.output<typeof varyRequest>;

export interface GanImage {
  /** PNG data URL, 28×28 grey. */
  image: string;
  /** Null between an interpolation's ends. */
  latent: LatentRef | null;
}

export interface GanResult {
  task: GanInput['task'];
  model: GanModel;
  modelVersion: string;
  /** The seed the request used (samples, vary), or null (interpolate). */
  seed: number | null;
  images: GanImage[];
  generationId: string;
}

export interface GanParams {
  task: GanInput['task'];
  model: GanModel;
  request: Record<string, unknown>;
}

export type GanGeneration = GenerationView<GanParams, { latents: (LatentRef | null)[] }>;

export interface ServedGan {
  name: GanModel;
  label: string;
  description: string;
  epochs: number;
  trainedOn: string;
  history: HistoryPoint[];
  /** PNG data URLs: the same 16 latents' samples before training (index 0) and after each epoch. */
  snapshots: string[][];
}

export interface GanServiceOptions {
  db?: Db;
  models?: ModelClient;
  generations?: GenerationService;
  root?: string;
}

export class GanService {
  private readonly models: ModelClient;
  private readonly generations: GenerationService;
  private readonly versions: ModelVersions;
  private readonly root: string;
  private readonly views = new Map<string, Promise<ServedGan>>();

  constructor(options: GanServiceOptions = {}) {
    const db = options.db ?? getDb();
    this.models = options.models ?? getModelServer();
    this.generations = options.generations ?? getGenerationService();
    this.root = options.root ?? process.cwd();
    this.versions = new ModelVersions(db, this.root);
  }

  private dir(name: GanModel): string {
    return path.join(this.root, GAN_SERVABLES[name].checkpoint);
  }

  /** The GANs with a checkpoint here, with their training curves and snapshots. */
  async servedModels(): Promise<ServedGan[]> {
    const served: ServedGan[] = [];
    for (const name of GAN_MODELS) {
      const metaFile = path.join(this.dir(name), 'meta.json');
      if (!fs.existsSync(path.join(this.dir(name), 'weights.bin')) || !fs.existsSync(metaFile)) continue;
      // A few hundred small PNGs per model: made once per checkpoint, not per page view.
      const stamp = `${metaFile}@${fs.statSync(metaFile).mtimeMs}`;
      let view = this.views.get(stamp);
      if (!view) {
        view = this.describe(name);
        this.views.set(stamp, view);
        view.catch(() => this.views.delete(stamp));
      }
      served.push(await view);
    }
    return served;
  }

  private async describe(name: GanModel): Promise<ServedGan> {
    const meta = await loadMeta(this.dir(name));
    const snapshots = await loadSnapshots(this.dir(name));
    return {
      name,
      ...GAN_MODEL_INFO[name],
      epochs: meta.epochs,
      trainedOn: meta.data,
      history: meta.history,
      snapshots: await Promise.all(snapshots.map((images) => Promise.all(images.map(pngDataUrl)))),
    };
  }

  /** `signal`: the caller went away (the request was aborted), so the generator need not run. */
  async samples(owner: Owner, request: SamplesRequest, signal?: AbortSignal): Promise<GanResult> {
    const seed = firstSeed(request.seed, request.count, 'samples');
    return this.run(owner, request.model, { task: 'samples', count: request.count, seed }, seed, { count: request.count, seed }, signal);
  }

  async interpolate(owner: Owner, request: InterpolateRequest, signal?: AbortSignal): Promise<GanResult> {
    return this.run(owner, request.model, { task: 'interpolate', from: request.from, to: request.to, steps: request.steps }, null, { from: request.from, to: request.to, steps: request.steps }, signal);
  }

  async vary(owner: Owner, request: VaryRequest, signal?: AbortSignal): Promise<GanResult> {
    if ((request.latent.nudges?.length ?? 0) >= MAX_NUDGES) {
      throw new AppError('BAD_REQUEST', `latent: it has been varied ${MAX_NUDGES} times over, the most a latent can be; vary an earlier one or a fresh sample`);
    }
    const seed = firstSeed(request.seed, request.count, 'variations');
    return this.run(owner, request.model, { task: 'vary', latent: request.latent, count: request.count, seed, amount: request.amount }, seed, {
      latent: request.latent,
      count: request.count,
      amount: request.amount,
      seed,
    }, signal);
  }

  /** The latest GAN runs `viewer` may see. */
  async recent(viewer: Viewer, limit = 24): Promise<GanGeneration[]> {
    return this.generations.list<GanParams, { latents: (LatentRef | null)[] }>(viewer, { kind: GENERATION_KIND, limit });
  }

  async generation(viewer: Viewer, id: string): Promise<GanGeneration> {
    return this.generations.get<GanParams, { latents: (LatentRef | null)[] }>(viewer, id, GENERATION_KIND);
  }

  /**
   * Runs the generator and saves what it drew to the gallery. A request the model server would
   * turn away is turned away before anything is recorded.
   */
  private async run(owner: Owner, name: GanModel, input: GanInput, seed: number | null, request: Record<string, unknown>, signal?: AbortSignal): Promise<GanResult> {
    if (!fs.existsSync(path.join(this.dir(name), 'weights.bin'))) {
      const served = GAN_MODELS.filter((m) => fs.existsSync(path.join(this.dir(m), 'weights.bin')));
      throw new AppError('MODEL_UNAVAILABLE', `The ${GAN_MODEL_INFO[name].label} GAN (${name}) is not trained on this server.${served.length ? ` Served: ${served.join(', ')}.` : ''}`);
    }
    const params: GanParams = { task: input.task, model: name, request };
    await this.models.admit(GAN_SERVABLES[name]);
    const generationId = await this.generations.begin({ ownerId: owner.ownerId, kind: GENERATION_KIND, modelName: name, seed, params: { ...params } });
    try {
      const run = await this.models.run(GAN_SERVABLES[name], input, { signal }).catch((error) => {
        if (isAppError(error) && error.code === 'MODEL_NOT_FOUND') throw new AppError('MODEL_UNAVAILABLE', `The ${GAN_MODEL_INFO[name].label} GAN is not served here.`, { cause: error });
        throw error;
      });
      const { images, latents } = run.output;
      await this.versions.record(name, run.modelVersion, GAN_SERVABLES[name].checkpoint);
      const canvases = { width: IMAGE_SIZE, height: IMAGE_SIZE, channels: 1 as const, images: images.map((image) => Uint8Array.from(image)) };
      // Encoded once: stored in the gallery and sent back as data URLs.
      const pngs = await Promise.all(canvases.images.map((image) => canvasPng(image, canvases)));
      await this.generations.complete(generationId, { modelVersion: run.modelVersion, canvases, pngs, output: { latents } });
      return {
        task: input.task,
        model: name,
        modelVersion: run.modelVersion,
        seed,
        images: pngs.map((png, i) => ({ image: `data:image/png;base64,${png.toString('base64')}`, latent: latents[i] })),
        generationId,
      };
    } catch (error) {
      const cancelled = signal?.aborted === true;
      const failure = cancelled ? { code: 'CANCELLED', message: 'The request was cancelled.' } : { code: isAppError(error) ? error.code : 'MODEL_FAILED', message: (error as Error).message };
      await this.generations.end(generationId, cancelled ? 'cancelled' : 'failed', failure).catch(() => undefined);
      throw error;
    }
  }
}

/** The first of `count` consecutive seeds: the request's, or a random one that leaves room for them all. */
function firstSeed(requested: number | undefined, count: number, what: string): number {
  const last = MAX_SEED - count + 1;
  if (requested === undefined) return randomInt(0, last + 1);
  if (requested > last) throw new AppError('BAD_REQUEST', `seed: the ${count} ${what}' seeds run past ${MAX_SEED}; choose a seed up to ${last}`);
  return requested;
}

async function pngDataUrl(image: Uint8Array): Promise<string> {
  return `data:image/png;base64,${(await canvasPng(Uint8Array.from(image), { width: IMAGE_SIZE, height: IMAGE_SIZE, channels: 1 })).toString('base64')}`;
}

const holder = globalThis as typeof globalThis & { __latentStudioGan?: GanService };

export function getGanService(): GanService {
  holder.__latentStudioGan ??= new GanService();
  return holder.__latentStudioGan;
}
