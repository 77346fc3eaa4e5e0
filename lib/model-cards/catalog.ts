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

const MULTIMODAL_DBM: Paper = {
  authors: 'N. Srivastava, R. Salakhutdinov',
  title: 'Multimodal Learning with Deep Boltzmann Machines',
  venue: 'NIPS 2012; JMLR 15, 2014',
  url: 'https://jmlr.org/papers/v15/srivastava14b.html',
};

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

const SALAKHUTDINOV_MURRAY: Paper = {
  authors: 'R. Salakhutdinov, I. Murray',
  title: 'On the Quantitative Analysis of Deep Belief Networks',
  venue: 'ICML 2008',
  url: 'https://www.cs.toronto.edu/~rsalakhu/papers/dbn_ais.pdf',
};
const HINTON_SALAKHUTDINOV: Paper = {
  authors: 'G. E. Hinton, R. R. Salakhutdinov',
  title: 'Reducing the Dimensionality of Data with Neural Networks',
  venue: 'Science 313, 2006',
  url: 'https://doi.org/10.1126/science.1127647',
};

export const MODEL_CATALOG: readonly CatalogEntry[] = [
  {
    folder: 'multimodal-dbm',
    name: 'Multimodal Deep Boltzmann Machine',
    task: 'Photo → tags, and tags → photos',
    page: '/tags',
    papers: [
      MULTIMODAL_DBM,
      {
        authors: 'I. Goodfellow, M. Mirza, A. Courville, Y. Bengio',
        title: 'Multi-Prediction Deep Boltzmann Machines',
        venue: 'NIPS 2013',
        url: 'https://papers.nips.cc/paper_files/paper/2013/hash/0bb4aec1710521c12ee76289d9440817-Abstract.html',
      },
    ],
    architecture:
      'An image pathway (Gaussian RBM over 620 colour + GIST features, then a hidden layer) and a text pathway (Replicated Softmax over the 374-word vocabulary, then a hidden layer), joined by a shared top layer. Trained as a generative model (greedy pretraining, then mean-field + persistent chains), then fine-tuned by backpropagation through its own mean-field inference to predict the tags from the photo (multi-prediction training). Tags come from mean-field inference of the text units given the image.',
  },
  {
    folder: 'multimodal-dbm',
    checkpoint: 'checkpoint-flickr',
    name: 'Multimodal Deep Boltzmann Machine (Flickr8k)',
    task: 'Photo → tags on everyday photos (the default tagger), and tags → your photos',
    page: '/tags',
    papers: [
      MULTIMODAL_DBM,
      {
        authors: 'A. Coates, H. Lee, A. Y. Ng',
        title: 'An Analysis of Single-Layer Networks in Unsupervised Feature Learning',
        venue: 'AISTATS 2011',
        url: 'https://proceedings.mlr.press/v15/coates11a.html',
      },
    ],
    architecture:
      'The same machine as the Corel-5k tagger, trained on Flickr8k: an image pathway (Gaussian RBM over 3,820 numbers — 3,200 learned features, the pooled triangle activations of 800 k-means centroids of whitened 6×6 colour patches learned from the training photos without labels, joined with colour + GIST — then a hidden layer) and a text pathway (Replicated Softmax over 370 content words taken from the photos’ captions, then a hidden layer), joined by a shared top layer; generative training, then backpropagation through its own mean-field to predict the words from the photo.',
  },
  {
    folder: 'boltzmann-mnist',
    name: 'Boltzmann machines on MNIST (RBM and DBM)',
    task: 'How probable a handwritten digit is, as an estimated log-likelihood',
    papers: [
      SALAKHUTDINOV_MURRAY,
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
      'A stroke-level model of how people vary when they draw one character, fitted to Omniglot’s pen trajectories: the given drawing moved by a random affine map and a smooth random displacement field, redrawn with the pen. A drawing is classified by fitting each exemplar onto it and it onto each exemplar, the fits’ terms weighed as learned on background characters.',
  },
  {
    folder: 'sparse-coding',
    name: 'Sparse coding of image patches',
    task: 'The edge-like bases natural images are made of, and the sparse code of a patch',
    page: '/foundations',
    papers: [
      {
        authors: 'B. A. Olshausen, D. J. Field',
        title: 'Emergence of simple-cell receptive field properties by learning a sparse code for natural images',
        venue: 'Nature 381, 1996',
        url: 'https://doi.org/10.1038/381607a0',
      },
    ],
    architecture: '192 unit-norm bases (1.3× overcomplete) for ZCA-whitened 12×12 grey patches of the Corel-5k training photos, learned by alternating a lasso step (FISTA) with a least-squares update of each basis.',
  },
  {
    folder: 'autoencoder',
    name: 'Autoencoders vs PCA',
    task: 'What a linear and a deep autoencoder keep of a digit in 30 numbers, next to PCA',
    page: '/foundations',
    papers: [HINTON_SALAKHUTDINOV],
    architecture: 'A linear autoencoder with 10 units, and a deep autoencoder 784-500-250-30 (logistic hidden layers, a linear 30-dimensional code, trained with Adam from random weights, no RBM pretraining), on MNIST digits, each next to PCA with as many components.',
  },
  {
    folder: 'semantic-hashing',
    name: 'Semantic hashing',
    task: 'Similar digits by their short binary codes',
    page: '/foundations',
    papers: [
      { authors: 'R. Salakhutdinov, G. E. Hinton', title: 'Semantic hashing', venue: 'International Journal of Approximate Reasoning 50, 2009', url: 'https://doi.org/10.1016/j.ijar.2008.11.006' },
      HINTON_SALAKHUTDINOV,
    ],
    architecture: 'The deep autoencoder 784-500-250 with a 32-unit logistic code layer, made binary by Gaussian noise added to its inputs during training (started from the autoencoder’s weights); images are retrieved by the Hamming distance between their codes.',
  },
  {
    folder: 'dbn',
    name: 'Deep belief net',
    task: 'Digits dreamed by a stack of RBMs',
    page: '/foundations',
    papers: [
      { authors: 'G. E. Hinton, S. Osindero, Y.-W. Teh', title: 'A Fast Learning Algorithm for Deep Belief Nets', venue: 'Neural Computation 18, 2006', url: 'https://doi.org/10.1162/neco.2006.18.7.1527' },
      SALAKHUTDINOV_MURRAY,
    ],
    architecture: 'Two RBMs, 784-500 and 500-500, trained greedily on binarised MNIST with the shared Boltzmann blocks (CD-k rising to 10); samples come from the top RBM’s Gibbs chain passed down the directed layer. Held-out log-likelihood is bounded below with log Z of the top RBM by annealed importance sampling.',
  },
  {
    folder: 'iwae',
    name: 'VAE and IWAE',
    task: 'The same networks trained with one and with several importance samples',
    page: '/foundations',
    papers: [
      { authors: 'D. P. Kingma, M. Welling', title: 'Auto-Encoding Variational Bayes', venue: 'ICLR 2014', url: 'https://arxiv.org/abs/1312.6114' },
      { authors: 'Y. Burda, R. Grosse, R. Salakhutdinov', title: 'Importance Weighted Autoencoders', venue: 'ICLR 2016', url: 'https://arxiv.org/abs/1509.00519' },
    ],
    architecture: 'One stochastic layer: an encoder 784-200-200 → 50-d Gaussian, a decoder 50-200-200 → 784 Bernoulli pixels (Burda et al.’s shape); one copy trained on the variational bound, one on the importance-weighted bound.',
  },
];
