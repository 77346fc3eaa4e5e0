/** The caption → image models a person can choose, and what the page says about each. */
import type { Servable } from '@/lib/model-server/servable';
import { CAPTION_MODELS, CAPTION_SERVABLES, DEFAULT_TEMPERATURE, type CaptionModel, type DrawInput, type Drawing } from '@/models/align-draw';

export { CAPTION_MODELS, type CaptionModel };

export interface CaptionModelInfo {
  name: CaptionModel;
  /** What the model server runs; its checkpoint folder holds the weights and `tokenizer.json`. */
  servable: Servable<DrawInput, Drawing> & { readonly checkpoint: string };
  /** A short name for the model picker. */
  label: string;
  /** One line on what it was trained on and what it draws. */
  description: string;
  /** `mnist`: captions are read with the MNIST-with-captions grammar (seen vs novel scenes). */
  grammar: 'mnist' | null;
  /** Reads any sentence in word pieces (leaving out only what no piece spells), not a fixed word list. */
  freeText: boolean;
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
    servable: CAPTION_SERVABLES['align-draw-mnist'],
    label: 'MNIST with Captions',
    description: 'One or two handwritten digits placed on a 60×60 canvas as the caption says (the paper’s 22-word grammar).',
    grammar: 'mnist',
    freeText: false,
    defaultTemperature: DEFAULT_TEMPERATURE['align-draw-mnist'],
  },
  'align-draw-corel': {
    name: 'align-draw-corel',
    servable: CAPTION_SERVABLES['align-draw-corel'],
    label: 'Corel-5k photos',
    description: '32×32 colour pictures from captions made of Corel-5k tags ("water sky tree").',
    grammar: null,
    freeText: false,
    defaultTemperature: DEFAULT_TEMPERATURE['align-draw-corel'],
  },
  'align-draw-flickr': {
    name: 'align-draw-flickr',
    servable: CAPTION_SERVABLES['align-draw-flickr'],
    label: 'Flickr8k photos',
    description: 'Any English sentence → 32×32 colour pictures in the manner of Flickr8k’s everyday photos (people, dogs, streets, beaches, snow, sport): blurry impressions of the scene’s colours and layout, not photographs.',
    grammar: null,
    freeText: true,
    defaultTemperature: DEFAULT_TEMPERATURE['align-draw-flickr'],
  },
};
