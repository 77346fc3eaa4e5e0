/**
 * Greedy layer-wise pretraining (Hinton, Osindero & Teh 2006): train an RBM on the data, then a
 * second RBM on the first one's hidden probabilities, and so on up the stack. The same stack is
 * a deep belief net (DBN), or, with the doubled weights of Salakhutdinov & Hinton (2012) at the
 * ends (see `Rbm.upScale`), the starting point of a deep Boltzmann machine.
 */
import * as tf from '@tensorflow/tfjs';
import { hiddenRepresentation, trainRbm, type CdOptions } from './contrastive-divergence';
import { Rng } from './random';
import { Rbm } from './rbm';
import type { Units } from './units';

export interface LayerSpec {
  hidden: number;
  /** Units of this RBM's visible layer (the data's for the first, binary above). */
  units?: Units;
  /** Weight scaling for DBM pretraining: 2 going up for the bottom RBM, 2 going down for the top. */
  upScale?: number;
  downScale?: number;
  training: Omit<CdOptions, 'seed' | 'onEpoch'>;
}

export async function greedyPretrain(
  data: tf.Tensor2D,
  layers: LayerSpec[],
  options: { seed: number; onLayerEpoch?: (layer: number, info: Parameters<NonNullable<CdOptions['onEpoch']>>[0]) => void },
): Promise<Rbm[]> {
  const rng = new Rng(options.seed);
  const stack: Rbm[] = [];
  let input = data;
  for (const [index, spec] of layers.entries()) {
    const rbm = Rbm.random(
      { visible: input.shape[1], hidden: spec.hidden, units: spec.units ?? 'binary', upScale: spec.upScale, downScale: spec.downScale },
      rng,
    );
    await trainRbm(rbm, input, { ...spec.training, seed: rng.seed(), onEpoch: (info) => options.onLayerEpoch?.(index, info) });
    stack.push(rbm);
    if (index < layers.length - 1) {
      const next = hiddenRepresentation(rbm, input);
      if (input !== data) input.dispose();
      input = next;
    }
  }
  if (input !== data) input.dispose();
  return stack;
}
