/** The caption → image models a person can choose, and what the page says about each. */
import { CAPTION_MODELS, DEFAULT_TEMPERATURE, type CaptionModel } from '@/models/align-draw/contract';
import { MNIST_CHECKPOINT_DIR } from '@/models/align-draw/tokenizer';

export { CAPTION_MODELS, type CaptionModel };

export interface CaptionModelInfo {
  name: CaptionModel;
  /** A short name for the model picker. */
  label: string;
  /** One line on what it was trained on and what it draws. */
  description: string;
  /** Where its checkpoint and its `tokenizer.json` are, relative to the project root. */
  checkpointDir: string;
  /** `mnist`: captions are read with the MNIST-with-captions grammar (seen vs novel scenes). */
  grammar: 'mnist' | null;
  /**
   * The sampling temperature a drawing gets when the request names none (0–1; 1 is the model's own
   * prior). Lower draws cleaner, less varied images; the model's evaluation measures both.
   */
  defaultTemperature: number;
}

export const DEFAULT_CAPTION_MODEL: CaptionModel = 'align-draw-mnist';

export const CAPTION_MODEL_INFO: Record<CaptionModel, CaptionModelInfo> = {
  'align-draw-mnist': {
    name: 'align-draw-mnist',
    label: 'MNIST with Captions',
    description: 'One or two handwritten digits placed on a 60×60 canvas as the caption says (the paper’s 22-word grammar).',
    checkpointDir: MNIST_CHECKPOINT_DIR,
    grammar: 'mnist',
    defaultTemperature: DEFAULT_TEMPERATURE['align-draw-mnist'],
  },
  'align-draw-corel': {
    name: 'align-draw-corel',
    label: 'Corel-5k photos',
    description: '32×32 colour pictures from captions made of Corel-5k tags ("water sky tree").',
    checkpointDir: 'models/align-draw/checkpoint-corel',
    grammar: null,
    defaultTemperature: DEFAULT_TEMPERATURE['align-draw-corel'],
  },
};
