/** Building blocks of the tutorial's energy-based models, shared by every model that needs them. */
export * from './units';
export * from './random';
export * from './rbm';
export * from './contrastive-divergence';
export * from './greedy';
export * from './dbm';
export * from './ais';
export * from './tempering';
export * from './checkpoint';
