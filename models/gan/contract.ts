/**
 * What the GAN answers through the model server (`gan-mnist`, `gan-omniglot`). Every image comes
 * from a latent vector, and every latent vector is named so that a page can ask for it again:
 *
 * - a seed `s` names z = latentFromSeed(s) (L standard normal numbers, the same on every machine);
 * - `{ seed, nudges: [{ seed: t, amount: a }, …] }` names small steps away from it, for "vary this
 *   one" (and varying a variation again): each step z ← (z + a·ε) / √(1 + a²) with
 *   ε = latentFromSeed(t), which keeps z a typical N(0, I) draw.
 *
 * Tasks: `samples` (count latent seeds from `seed` on: seed, seed + 1, …), `interpolate` (steps
 * points on the great circle from one latent to another, both ends included) and `vary` (count
 * nudges of one latent). Images are 28×28 grey bytes, ink bright (255).
 */
export const GAN_MODELS = ['gan-mnist', 'gan-omniglot'] as const;

/** Every image is IMAGE_SIZE × IMAGE_SIZE grey bytes. */
export const IMAGE_SIZE = 28;
export const IMAGE_PIXELS = IMAGE_SIZE * IMAGE_SIZE;
export type GanModel = (typeof GAN_MODELS)[number];

export const MAX_SAMPLES = 64;
export const MAX_STEPS = 16;
export const MAX_SEED = 2 ** 31 - 1;

export interface Nudge {
  seed: number;
  /** 0–1: how far from the latent (1 moves it as far as a fresh draw's own spread). */
  amount: number;
}

export const MAX_NUDGES = 8;

export interface LatentRef {
  seed: number;
  /** Applied in order; at most MAX_NUDGES. */
  nudges?: Nudge[];
}

export type GanInput =
  | { task: 'samples'; count: number; seed: number }
  | { task: 'interpolate'; from: LatentRef; to: LatentRef; steps: number }
  | { task: 'vary'; latent: LatentRef; count: number; seed: number; amount: number };

export interface GanOutput {
  /** One 784-byte grey image per latent, 28×28 row-major. */
  images: Uint8Array[];
  /** The latent each image came from, in order; null for a point between an interpolation's ends. */
  latents: (LatentRef | null)[];
}
