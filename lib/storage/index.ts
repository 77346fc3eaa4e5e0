/** Content-addressed blob storage. */
export {
  BlobStore,
  getBlobStore,
  isSha256,
  sha256Hex,
  type BlobStoreFs,
  type BlobStoreOptions,
  type PutResult,
  type SweepResult,
} from './blob-store';
