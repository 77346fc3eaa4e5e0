/**
 * The models this project trains, with the papers they come from. A model's folder is
 * `models/<folder>`; its card shows what `checkpoint/meta.json` and `checkpoint/evaluation.json`
 * hold once the model is trained. A trained model missing here still gets a card (see index.ts),
 * with what its meta.json says about itself.
 */
export interface Paper {
  authors: string;
  title: string;
  venue: string;
  url?: string;
}

export interface CatalogEntry {
  /** The folder under `models/`, also the model server's model name. */
  folder: string;
  /** The checkpoint folder inside it, when the folder holds more than one model (default `checkpoint`). */
  checkpoint?: string;
  name: string;
  /** What a person does with it, in their words. */
  task: string;
  /** The page where it is used, if it has one. */
  page?: string;
  papers: Paper[];
  architecture: string;
}

const ALIGN_DRAW: Paper = {
  authors: 'E. Mansimov, E. Parisotto, J. L. Ba, R. Salakhutdinov',
  title: 'Generating Images from Captions with Attention',
  venue: 'ICLR 2016',
  url: 'https://arxiv.org/abs/1511.02793',
};

const GAN: Paper = { authors: 'I. Goodfellow et al.', title: 'Generative Adversarial Nets', venue: 'NIPS 2014', url: 'https://arxiv.org/abs/1406.2661' };
const DCGAN: Paper = {
  authors: 'A. Radford, L. Metz, S. Chintala',
  title: 'Unsupervised Representation Learning with Deep Convolutional Generative Adversarial Networks',
  venue: 'ICLR 2016',
  url: 'https://arxiv.org/abs/1511.06434',
};

/** A card's name on the page: the folder, or folder and checkpoint for a second model in one folder. */
export const cardId = (entry: Pick<CatalogEntry, 'folder' | 'checkpoint'>): string =>
  entry.checkpoint ? `${entry.folder}-${entry.checkpoint.replace(/^checkpoint-?/, '')}` : entry.folder;

export const MODEL_CATALOG: readonly CatalogEntry[] = [
  {
    folder: 'multimodal-dbm',
    name: 'Multimodal Deep Boltzmann Machine',
    task: 'Photo → tags, and tags → photos',
    page: '/tags',
    papers: [
      {
        authors: 'N. Srivastava, R. Salakhutdinov',
        title: 'Multimodal Learning with Deep Boltzmann Machines',
        venue: 'NIPS 2012; JMLR 15, 2014',
        url: 'https://jmlr.org/papers/v15/srivastava14b.html',
      },
    ],
    architecture:
      'An image pathway (Gaussian RBM over 620 colour + GIST features, then a hidden layer) and a text pathway (Replicated Softmax over the 374-word vocabulary, then a hidden layer), joined by a shared top layer. Tags come from mean-field inference of the text units given the image.',
  },
  {
    folder: 'boltzmann-mnist',
    name: 'Boltzmann machines on MNIST (RBM and DBM)',
    task: 'How probable a handwritten digit is, as an estimated log-likelihood',
    papers: [
      {
        authors: 'R. Salakhutdinov, I. Murray',
        title: 'On the Quantitative Analysis of Deep Belief Networks',
        venue: 'ICML 2008',
        url: 'https://www.cs.toronto.edu/~rsalakhu/papers/dbn_ais.pdf',
      },
      {
        authors: 'R. Salakhutdinov, G. Hinton',
        title: 'Deep Boltzmann Machines',
        venue: 'AISTATS 2009',
        url: 'https://proceedings.mlr.press/v5/salakhutdinov09a.html',
      },
    ],
    architecture:
      'A binary RBM and a two-layer Deep Boltzmann Machine over binarised MNIST digits, from the shared Boltzmann blocks; log-likelihoods are estimated with annealed importance sampling.',
  },
  {
    folder: 'align-draw',
    name: 'alignDRAW',
    task: 'Caption → images, drawn step by step',
    page: '/caption',
    papers: [ALIGN_DRAW],
    architecture: 'A bidirectional-LSTM caption encoder and a DRAW recurrent variational autoencoder with read/write attention, aligned to the words at every step.',
  },
  {
    folder: 'align-draw',
    checkpoint: 'checkpoint-corel',
    name: 'alignDRAW on Corel-5k photos',
    task: 'Caption of tags → 32×32 colour pictures',
    page: '/caption',
    papers: [ALIGN_DRAW],
    architecture: 'The MNIST model’s alignDRAW on a 32×32 three-channel canvas, reading captions made of Corel-5k tags: the paper’s COCO setup in miniature.',
  },

  {
    folder: 'gan',
    checkpoint: 'checkpoint-mnist',
    name: 'DCGAN on MNIST digits',
    task: 'Samples, latent walks and the training game',
    page: '/gan',
    papers: [GAN, DCGAN],
    architecture:
      'A generator (64-d latent → dense 7×7×64 → two 5×5 transposed convolutions with batch norm → 28×28 tanh) against a discriminator (two 5×5 strided convolutions, leaky ReLU, batch norm → a logit), trained with the non-saturating loss.',
  },
  {
    folder: 'gan',
    checkpoint: 'checkpoint-omniglot',
    name: 'DCGAN on Omniglot characters',
    task: 'Samples, latent walks and the training game',
    page: '/gan',
    papers: [GAN, DCGAN],
    architecture: 'The MNIST model’s DCGAN on Omniglot characters shrunk to 28×28.',
  },
  {
    folder: 'oneshot',
    name: 'One-shot generation and classification',
    task: 'Draw one character, get new variants; match it among 20',
    page: '/oneshot',
    papers: [
      {
        authors: 'B. M. Lake, R. Salakhutdinov, J. B. Tenenbaum',
        title: 'Human-level concept learning through probabilistic program induction',
        venue: 'Science 350, 2015',
        url: 'https://doi.org/10.1126/science.aab3050',
      },
    ],
    architecture:
      'A stroke-level model of how people vary when they draw one character, fitted to Omniglot’s pen trajectories: the given drawing moved by a random affine map and a smooth random displacement field, redrawn with the pen. A drawing is classified by the exemplar whose best-fitting deformation explains it best.',
  },
];
