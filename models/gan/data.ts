/**
 * The images the GAN page's models learn from — MNIST's split as grey levels and Omniglot's small
 * background sets shrunk to 28×28 — under the GAN's names. The loader is shared with the other
 * models that read grey levels: lib/datasets/grey-images.ts.
 */
export {
  GREY_DATASETS as GAN_DATASETS,
  loadGreyImages as loadGanData,
  shrinkOmniglot,
  type GreyDataset as GanDataset,
  type GreyImages as GanData,
  type ImageSet,
} from '@/lib/datasets';
