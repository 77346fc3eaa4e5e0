/**
 * Dataset loaders for the shared data (see ../shared/data/README.md). Each takes an optional
 * `dataDir` (default `env.DATA_DIR`); a missing file throws `AppError('DATASET_MISSING')` naming
 * the path, a malformed one a `DatasetFormatError` naming the file (and line).
 */
export * from './paths';
export * from './mnist';
export * from './corel5k';
export * from './omniglot';
export * from './captions';
export * from './flickr8k';
export * from './mnist-split';
export * from './grey-images';
