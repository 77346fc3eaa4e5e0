/**
 * Papers more than one model's card cites (each manifest in `models/<name>/index.ts` lists its
 * own; these are the shared references, written once).
 */
import type { Paper } from '@/lib/model-cards/catalog';

export const SALAKHUTDINOV_MURRAY: Paper = {
  authors: 'R. Salakhutdinov, I. Murray',
  title: 'On the Quantitative Analysis of Deep Belief Networks',
  venue: 'ICML 2008',
  url: 'https://www.cs.toronto.edu/~rsalakhu/papers/dbn_ais.pdf',
};

export const HINTON_SALAKHUTDINOV: Paper = {
  authors: 'G. E. Hinton, R. R. Salakhutdinov',
  title: 'Reducing the Dimensionality of Data with Neural Networks',
  venue: 'Science 313, 2006',
  url: 'https://doi.org/10.1126/science.1127647',
};

export const COATES_LEE_NG: Paper = {
  authors: 'A. Coates, H. Lee, A. Y. Ng',
  title: 'An Analysis of Single-Layer Networks in Unsupervised Feature Learning',
  venue: 'AISTATS 2011',
  url: 'https://proceedings.mlr.press/v15/coates11a.html',
};
