/**
 * What the /foundations page says about each block: the tutorial's point in a paragraph, what to
 * look for in its figures, and the figures a person can ask for (their names match the block's
 * `figures.ts`; the model server checks them again).
 */
import type { Block } from '@/models/foundations';

export interface BlockGuide {
  title: string;
  /** The idea, in the tutorial's words, in two or three sentences. */
  idea: string;
  /** What the figure shows and what to look for. */
  look: string;
  figures: { name: string; label: string; /** The seed picks new examples. */ reseed: string | null }[];
  /** The command that trains it. */
  train: string;
}

export const BLOCK_GUIDE: Record<Block, BlockGuide> = {
  'sparse-coding': {
    title: 'Sparse coding',
    idea:
      'Olshausen & Field (1996): describe each small patch of a natural image as a sum of a few basis functions from a learned, overcomplete dictionary. Learning alternates a lasso step (find the sparse code of every patch, here by ISTA/FISTA) with a dictionary step (move the bases to reconstruct the patches better).',
    look: 'Learned from whitened 12×12 patches of the Corel-5k photos, the bases come out as localised, oriented edges — like the receptive fields of simple cells in the visual cortex. A new patch is explained by a handful of them.',
    figures: [
      { name: 'bases', label: 'The learned bases', reseed: null },
      { name: 'code', label: 'The sparse code of a new patch', reseed: 'another patch' },
    ],
    train: 'npx tsx models/sparse-coding/train.ts',
  },
  autoencoder: {
    title: 'Autoencoders vs PCA',
    idea:
      'An autoencoder learns to squeeze its input through a narrow code and rebuild it. With linear units and squared error it can do no better than PCA — it finds the same subspace; with several nonlinear layers (Hinton & Salakhutdinov, 2006) it finds a curved, low-dimensional description that PCA cannot.',
    look: 'Held-out digits, rebuilt from 30 numbers each: the deep autoencoder keeps the strokes sharp where 30-dimensional PCA blurs them into averages. The bottom row is a linear autoencoder with 10 units: it rebuilds exactly what PCA with 10 components does, because it learned the same subspace (the table gives the angle between them).',
    figures: [{ name: 'reconstructions', label: 'Reconstructions side by side', reseed: 'other digits' }],
    train: 'npx tsx models/autoencoder/train.ts',
  },
  'semantic-hashing': {
    title: 'Semantic hashing',
    idea:
      'Salakhutdinov & Hinton (2009): train an autoencoder whose code layer is forced to be binary (noise added to its inputs makes the units saturate), so each image gets a short binary address. Similar images land at nearby addresses: retrieval is looking at the addresses within a small Hamming distance, far cheaper than comparing pixels.',
    look: 'A held-out digit and the training images nearest to it by Hamming distance between codes, beside the nearest by Euclidean distance between raw pixels.',
    figures: [{ name: 'neighbours', label: 'Nearest neighbours of a query', reseed: 'another query' }],
    train: 'npx tsx models/semantic-hashing/train.ts',
  },
  dbn: {
    title: 'Deep belief net',
    idea:
      'Hinton, Osindero & Teh (2006): train an RBM on the data, then another RBM on its hidden activities, and so on. The stack is a deep belief net: a top-level RBM (an undirected associative memory) over directed layers that turn its states into images.',
    look: 'Samples: Gibbs chains run in the top-level RBM, each state passed down through the directed layers to pixels; digits condense out of noise as the chains run. This small DBN mixes slowly: after 1,000 steps most chains have settled on 1s. The second figure shows the bottom layer’s filters, and the top layer’s units seen through the layer below.',
    figures: [
      { name: 'samples', label: 'Samples from the top-level Gibbs chain', reseed: 'other chains' },
      { name: 'layers', label: 'What the hidden units look for', reseed: 'other units' },
    ],
    train: 'npx tsx models/dbn/train.ts',
  },
  iwae: {
    title: 'VAE and IWAE',
    idea:
      'A variational autoencoder (Kingma & Welling, 2014) trains an encoder and a decoder together by maximising a lower bound on log p(x). The importance-weighted autoencoder (Burda, Grosse & Salakhutdinov, 2016) uses the same networks but a tighter bound, averaging k importance weights inside the log; it learns richer latent spaces and a better log-likelihood.',
    look: 'Samples from the prior decoded by each model, and held-out digits passed through encoder and decoder.',
    figures: [
      { name: 'samples', label: 'Samples', reseed: 'other samples' },
      { name: 'reconstructions', label: 'Reconstructions', reseed: 'other digits' },
    ],
    train: 'npx tsx models/iwae/train.ts',
  },
};
