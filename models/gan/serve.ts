/**
 * The GAN generators in the model server (`gan-mnist`; `gan-omniglot` is serve-omniglot.ts),
 * answering contract.ts. A batch's requests share one forward pass of the generator.
 */
import type { ServableModel } from '@/lib/model-server/types';
import { checkpointDir, ganModelVersion, loadGenerator } from './checkpoint';
import { MAX_NUDGES, MAX_SAMPLES, MAX_STEPS, type GanInput, type GanOutput, type LatentRef } from './contract';
import type { GanDataset } from './data';
import { Gan, IMAGE_PIXELS, latentFromSeed, slerp } from './model';

const badRequest = (message: string) => Object.assign(new Error(message), { code: 'BAD_REQUEST' });

/** The latent vector a reference names (contract.ts). */
export function latentOf(ref: LatentRef, size: number): Float32Array {
  let z = latentFromSeed(ref.seed, size);
  for (const nudge of ref.nudges ?? []) {
    const epsilon = latentFromSeed(nudge.seed, size);
    const scale = 1 / Math.sqrt(1 + nudge.amount * nudge.amount);
    z = z.map((v, i) => (v + nudge.amount * epsilon[i]) * scale);
  }
  return z;
}

/** The latents a request asks for, each with its reference (null between an interpolation's ends). */
export function latentsFor(input: GanInput, size: number): { vectors: Float32Array[]; refs: (LatentRef | null)[] } {
  switch (input.task) {
    case 'samples': {
      if (!Number.isInteger(input.count) || input.count < 1 || input.count > MAX_SAMPLES) throw badRequest(`Ask for 1 to ${MAX_SAMPLES} samples.`);
      const refs = Array.from({ length: input.count }, (_, i) => ({ seed: input.seed + i }));
      return { vectors: refs.map((r) => latentOf(r, size)), refs };
    }
    case 'interpolate': {
      if (!Number.isInteger(input.steps) || input.steps < 2 || input.steps > MAX_STEPS) throw badRequest(`Ask for 2 to ${MAX_STEPS} steps.`);
      const a = latentOf(input.from, size);
      const b = latentOf(input.to, size);
      const vectors = Array.from({ length: input.steps }, (_, i) => slerp(a, b, i / (input.steps - 1)));
      return { vectors, refs: vectors.map((_, i) => (i === 0 ? input.from : i === input.steps - 1 ? input.to : null)) };
    }
    case 'vary': {
      if (!Number.isInteger(input.count) || input.count < 1 || input.count > MAX_SAMPLES) throw badRequest(`Ask for 1 to ${MAX_SAMPLES} variations.`);
      const earlier = input.latent.nudges ?? [];
      if (earlier.length >= MAX_NUDGES) throw badRequest(`A latent can be varied ${MAX_NUDGES} times over; this one already has been.`);
      const refs = Array.from({ length: input.count }, (_, i) => ({ seed: input.latent.seed, nudges: [...earlier, { seed: input.seed + i, amount: input.amount }] }));
      return { vectors: refs.map((r) => latentOf(r, size)), refs };
    }
    default:
      throw badRequest('Unknown GAN task.');
  }
}

function toBytes(images: Float32Array, n: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => Uint8Array.from(images.subarray(i * IMAGE_PIXELS, (i + 1) * IMAGE_PIXELS), (v) => Math.round(255 * Math.min(1, Math.max(0, v)))));
}

export function servableFor(dataset: GanDataset): ServableModel<GanInput, GanOutput> {
  const dir = checkpointDir(dataset);
  let loading: Promise<{ gan: Gan; version: string }> | undefined;
  const load = () => (loading ??= Promise.all([loadGenerator(dir), ganModelVersion(dir, dataset)]).then(([{ gan }, version]) => ({ gan, version })));
  return {
    async load() {
      return { version: (await load()).version };
    },
    /** Every request's latents in one forward pass. */
    async runBatch(inputs: GanInput[]) {
      const { gan } = await load();
      const asked = inputs.map((input) => latentsFor(input, gan.config.latent));
      const all = asked.flatMap((a) => a.vectors);
      const latents = new Float32Array(all.length * gan.config.latent);
      all.forEach((z, i) => latents.set(z, i * gan.config.latent));
      const images = toBytes(gan.sample(latents), all.length);
      let offset = 0;
      return asked.map((a) => {
        const out = { images: images.slice(offset, offset + a.vectors.length), latents: a.refs };
        offset += a.vectors.length;
        return out;
      });
    },
  };
}

export const servable = servableFor('mnist');
