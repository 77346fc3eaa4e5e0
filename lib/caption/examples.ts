/**
 * Example captions for the page. For MNIST with Captions: scenes of the kind drawn in training
 * ("seen") and scenes held out of training ("novel"), so a person can see whether the model
 * composes digits and places it never saw together.
 */
import { captionText, HELD_OUT_CAPTIONS, isHeldOut, parseCaption, type CaptionStructure } from '@/models/align-draw';
import type { CaptionModel } from './models';

export type ExampleKind = 'seen' | 'novel' | 'example';

export interface ExampleCaption {
  caption: string;
  model: CaptionModel;
  kind: ExampleKind;
}

const SEEN: CaptionStructure[] = [
  { type: 'pair', subject: 3, relation: 'left', object: 5 },
  { type: 'pair', subject: 7, relation: 'bottom', object: 2 },
  { type: 'single', digit: 7, position: 'top right' },
  { type: 'pair', subject: 0, relation: 'right', object: 1 },
  { type: 'pair', subject: 4, relation: 'top', object: 9 },
  { type: 'single', digit: 8, position: 'bottom left' },
];

/** A few of the 50 held-out captions: side by side, stacked, and a corner, in both wordings. */
const NOVEL = [0, 7, 21, 34, 45].map((i) => HELD_OUT_CAPTIONS[i]);

const COREL = ['sky water tree', 'sun clouds sea', 'grass tiger', 'snow mountain sky', 'beach sand water', 'flowers garden', 'people street buildings'];

/** Everyday sentences for the Flickr8k model: each of its scenes' kinds (dogs, snow, beaches, sport, streets). */
const FLICKR = [
  'A dog runs across the grass',
  'A child in a red coat plays in the snow',
  'Two people walk on the beach at sunset',
  'A man rides a bike down a dirt road',
  'A surfer rides a big wave',
  'A crowd of people on a city street',
];

const strip = (caption: string) => caption.replace(/\.$/, '');

export const EXAMPLE_CAPTIONS: readonly ExampleCaption[] = [
  ...SEEN.filter((s) => !isHeldOut(s)).map((s): ExampleCaption => ({ caption: strip(captionText(s)), model: 'align-draw-mnist', kind: 'seen' })),
  ...NOVEL.filter((s) => s && isHeldOut(s)).map((s): ExampleCaption => ({ caption: strip(captionText(s)), model: 'align-draw-mnist', kind: 'novel' })),
  ...COREL.map((caption): ExampleCaption => ({ caption, model: 'align-draw-corel', kind: 'example' })),
  ...FLICKR.map((caption): ExampleCaption => ({ caption, model: 'align-draw-flickr', kind: 'example' })),
];

/** Whether an MNIST caption's scene is of a kind drawn in training, or held out; null when outside the grammar. */
export function mnistSceneKind(caption: string): 'seen' | 'novel' | null {
  try {
    return isHeldOut(parseCaption(caption)) ? 'novel' : 'seen';
  } catch {
    return null;
  }
}
