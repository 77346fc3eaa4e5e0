/**
 * Building blocks of the tutorial's energy-based models, shared by every model that needs them.
 * The other shared pieces are imported from their own files, so a model loads only what it uses:
 * statistics.ts (means, Box–Muller) and covariance.ts, pca.ts, whitening.ts, frechet.ts,
 * gaussian.ts (diagonal Gaussians), deep-autoencoder.ts, lstm.ts and draw-attention.ts, and for
 * the foundations blocks pictures.ts and evaluation-report.ts.
 */
export * from './units';
export * from './random';
export * from './rbm';
export * from './contrastive-divergence';
export * from './greedy';
export * from './dbm';
export * from './ais';
export * from './tempering';
export * from './checkpoint';
