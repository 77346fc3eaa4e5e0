/** Image uploads: format sniffing, validation, strict decoding, re-encoding, model input. */
export {
  IMAGE_FORMATS,
  IMAGE_FORMAT_NAMES,
  IMAGE_MIME,
  SNIFF_BYTES,
  sniff,
  type ImageFormat,
  type OtherKind,
  type SniffResult,
} from './sniff';
export {
  JPEG_QUALITY,
  decodeAndReencode,
  readHeader,
  toModelInput,
  type DecodeOptions,
  type EncodedImage,
  type ImageHeader,
  type ModelInput,
  type ModelInputFit,
  type OutputFormat,
} from './decode';
export { extensionFor, prepareUpload, unsupportedFormat, type PrepareUploadOptions, type PreparedImage } from './pipeline';
