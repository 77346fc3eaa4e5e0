/**
 * Caption tokenizers for alignDRAW, as Hugging Face `tokenizer.json` files (the `tokenizers`
 * package), saved beside each checkpoint:
 *
 * - MNIST with Captions: a word-level vocabulary (`WordLevel`) of the paper's 22 words. Case and
 *   punctuation are normalised away and every caption ends with the "." word, as in training, so
 *   "The digit 3 is on the LEFT of the digit 5" and "the digit 3 is on the left of the digit 5."
 *   give the same ids.
 * - Free text (COCO, Flickr8k, Pascal Sentences): WordPiece (BERT's lower-casing normaliser and
 *   pre-tokenizer) trained on the caption corpora and cut to a few thousand pieces.
 *
 * Both vocabularies start with `[PAD]` = 0 and `[UNK]` = 1. `encode` never returns `[UNK]`: a
 * caption with words the model cannot spell throws `UnknownWordsError` naming them.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  bertNormalizer,
  bertPreTokenizer,
  lowercase,
  nfkcNormalizer,
  replace,
  sequenceNormalizer,
  templateProcessing,
  Tokenizer,
  WordLevel,
  WordPiece,
  whitespaceSplitPreTokenizer,
  wordPieceDecoder,
} from 'tokenizers';
import { AppError } from '@/lib/errors';
import { CAPTION_PUNCTUATION, VOCABULARY } from './data';

export const PAD = '[PAD]';
export const UNK = '[UNK]';
export const TOKENIZER_FILE = 'tokenizer.json';
/** Where the MNIST-with-captions checkpoint (and its tokenizer) lives. */
export const MNIST_CHECKPOINT_DIR = 'models/align-draw/checkpoint';
/** The Corel-5k model's checkpoint and its tag tokenizer. */
export const COREL_CHECKPOINT_DIR = 'models/align-draw/checkpoint-corel';
/** The WordPiece tokenizer of the caption corpora. */
export const COCO_CHECKPOINT_DIR = 'models/align-draw/checkpoint-coco';
/** The Flickr8k model's checkpoint and its WordPiece tokenizer, learned from Flickr8k's training sentences. */
export const FLICKR_CHECKPOINT_DIR = 'models/align-draw/checkpoint-flickr';
/** Word pieces of the Flickr8k tokenizer (with [PAD] and [UNK]): its 6,000 photos' 30,000 sentences use about 7,000 words. */
export const FLICKR_VOCABULARY_SIZE = 2000;
/** Word pieces kept after training (with [PAD] and [UNK]). */
export const WORDPIECE_VOCABULARY_SIZE = 4000;

/** A caption with words outside what the model can read. */
export class UnknownWordsError extends AppError {
  /** The unknown words as written in the caption, each once, in order. */
  readonly words: string[];

  constructor(words: string[], known: string) {
    const list = words.map((w) => `"${w}"`).join(', ');
    super('BAD_REQUEST', `The model does not know the word${words.length === 1 ? '' : 's'} ${list}. ${known}`, {
      details: { words },
    });
    this.name = 'UnknownWordsError';
    this.words = words;
  }
}

export interface EncodedCaption {
  /** Token ids, not padded: one per word (word level) or word piece, then "." for MNIST. */
  ids: number[];
  /** The token of each id ("the", "digit", "3", … or word pieces like "skate", "##board"). */
  words: string[];
  /** With `dropUnknown`: what was left out because no piece spells it (e.g. "🐱"), each once, in order. */
  dropped: string[];
}

export interface EncodeOptions {
  /**
   * Leave out what the tokenizer cannot spell instead of refusing the caption (free text: a
   * sentence with an emoji still draws). A caption with nothing else left is still refused.
   */
  dropUnknown?: boolean;
}

export interface EncodedCaptionBatch {
  count: number;
  /** Padded length of every row. */
  length: number;
  /** `count × length` ids, each row padded at the end with `padId`. */
  ids: Int32Array;
  /** Tokens before the padding, per row. */
  lengths: Int32Array;
}

type ModelType = 'WordLevel' | 'WordPiece';

export class CaptionTokenizer {
  /** Token of each id. */
  readonly vocabulary: string[];
  readonly padId: number;
  readonly unkId: number;
  readonly modelType: ModelType;

  private constructor(
    private readonly tokenizer: Tokenizer,
    private readonly json: string,
  ) {
    const model = (JSON.parse(json) as { model: { type: string } }).model;
    if (model.type !== 'WordLevel' && model.type !== 'WordPiece') throw new Error(`unsupported tokenizer model ${model.type}`);
    this.modelType = model.type;
    const vocab = tokenizer.getVocab(true);
    this.vocabulary = [];
    for (const [token, id] of Object.entries(vocab)) this.vocabulary[id] = token;
    const padId = tokenizer.tokenToId(PAD);
    const unkId = tokenizer.tokenToId(UNK);
    if (padId === null || unkId === null) throw new Error(`the tokenizer has no ${PAD} or ${UNK} token`);
    this.padId = padId;
    this.unkId = unkId;
  }

  /** `<dir>/tokenizer.json`. */
  static load(dir: string): CaptionTokenizer {
    const file = path.join(dir, TOKENIZER_FILE);
    if (!fs.existsSync(file)) throw new AppError('MODEL_NOT_FOUND', `No caption tokenizer at ${file}.`);
    return CaptionTokenizer.fromJSON(fs.readFileSync(file, 'utf8'));
  }

  static fromJSON(json: string): CaptionTokenizer {
    return new CaptionTokenizer(Tokenizer.fromString(json), json);
  }

  get size(): number {
    return this.vocabulary.length;
  }

  /** Writes `<dir>/tokenizer.json` (the directory is created). */
  async save(dir: string): Promise<string> {
    await fsp.mkdir(dir, { recursive: true });
    const file = path.join(dir, TOKENIZER_FILE);
    await fsp.writeFile(file, `${JSON.stringify(JSON.parse(this.json), null, 1)}\n`);
    return file;
  }

  /**
   * Ids of a caption (not padded). Throws `UnknownWordsError` for words the model cannot read
   * and `AppError('BAD_REQUEST')` for a caption without any word.
   */
  async encode(caption: string, options: EncodeOptions = {}): Promise<EncodedCaption> {
    const encoding = await this.tokenizer.encode(caption);
    const ids = encoding.getIds();
    const tokens = encoding.getTokens();
    const special = encoding.getSpecialTokensMask();
    if (special.every((s) => s === 1)) throw new AppError('BAD_REQUEST', 'The caption is empty: write a sentence describing the image.');
    // Offsets count Unicode code points, not UTF-16 units.
    const characters = [...caption];
    const offsets = encoding.getOffsets();
    const unknown = [...new Set(ids.flatMap((id, i) => (id === this.unkId ? [characters.slice(offsets[i][0], offsets[i][1]).join('')] : [])))];
    if (!options.dropUnknown) {
      if (unknown.length > 0) throw new UnknownWordsError(unknown, this.knownWords());
      return { ids, words: tokens, dropped: [] };
    }
    const kept = ids.flatMap((id, i) => (id === this.unkId ? [] : [i]));
    // Free text: what is left must hold a word, not only punctuation.
    if (!kept.some((i) => special[i] === 0 && /[\p{L}\p{N}]/u.test(tokens[i]))) {
      throw new AppError('BAD_REQUEST', 'The caption has no letters or numbers the model can read: write a sentence in English words, such as “a dog runs on the beach”.', {
        details: { dropped: unknown },
      });
    }
    return { ids: kept.map((i) => ids[i]), words: kept.map((i) => tokens[i]), dropped: unknown };
  }

  /** Captions as one padded block; `length` defaults to the longest. */
  async encodeBatch(captions: readonly string[], length?: number, options: EncodeOptions = {}): Promise<EncodedCaptionBatch> {
    const encoded = await Promise.all(captions.map((c) => this.encode(c, options)));
    const longest = Math.max(0, ...encoded.map((e) => e.ids.length));
    const width = length ?? longest;
    if (longest > width) throw new AppError('BAD_REQUEST', `A caption is ${longest} tokens long; the model reads at most ${width}.`);
    const ids = new Int32Array(captions.length * width).fill(this.padId);
    encoded.forEach((e, n) => ids.set(e.ids, n * width));
    return { count: captions.length, length: width, ids, lengths: Int32Array.from(encoded, (e) => e.ids.length) };
  }

  /** Text of ids (padding dropped). */
  decode(ids: readonly number[]): Promise<string> {
    return this.tokenizer.decode(
      ids.filter((id) => id !== this.padId),
      true,
    );
  }

  /** What the error message says the model can read. */
  private knownWords(): string {
    const tokens = this.vocabulary.filter((t) => t !== PAD && t !== UNK);
    if (this.modelType === 'WordLevel') return `It knows: ${tokens.join(' ')}`;
    const characters = tokens.filter((t) => [...t].length === 1);
    return `It spells words with these characters only: ${characters.join(' ')}`;
  }
}

/**
 * The MNIST-with-captions tokenizer: [PAD], [UNK], then the paper's 22 words in its order.
 * Punctuation becomes a space and the "." word is appended by the post-processor, so a caption
 * with or without a full stop reads the same.
 */
export function mnistCaptionTokenizer(): CaptionTokenizer {
  const vocab: Record<string, number> = { [PAD]: 0, [UNK]: 1 };
  VOCABULARY.forEach((word, i) => (vocab[word] = i + 2));
  const tokenizer = new Tokenizer(WordLevel.init(vocab, { unkToken: UNK }));
  tokenizer.setNormalizer(
    sequenceNormalizer([nfkcNormalizer(), lowercase(), ...CAPTION_PUNCTUATION.map((mark) => replace(mark, ' '))]),
  );
  tokenizer.setPreTokenizer(bertPreTokenizer());
  tokenizer.setPostProcessor(templateProcessing('$A .', undefined, [['.', vocab['.']]]));
  return fromTokenizer(tokenizer);
}

/**
 * The Corel-5k tag tokenizer: [PAD], [UNK], then the dataset's keywords in its order, one token a
 * tag. Captions are tags separated by spaces or punctuation ("water, sky, tree"); hyphenated tags
 * ("close-up", "f-16") stay whole.
 */
export function corelCaptionTokenizer(vocabulary: readonly string[]): CaptionTokenizer {
  const vocab: Record<string, number> = { [PAD]: 0, [UNK]: 1 };
  vocabulary.forEach((word, i) => (vocab[word] = i + 2));
  const tokenizer = new Tokenizer(WordLevel.init(vocab, { unkToken: UNK }));
  tokenizer.setNormalizer(
    sequenceNormalizer([nfkcNormalizer(), lowercase(), ...CAPTION_PUNCTUATION.filter((mark) => mark !== '-').map((mark) => replace(mark, ' '))]),
  );
  tokenizer.setPreTokenizer(whitespaceSplitPreTokenizer());
  return fromTokenizer(tokenizer);
}

/**
 * A WordPiece tokenizer trained on `captions` (the trainer's defaults), then cut to the
 * `vocabularySize` earliest pieces (the trainer numbers pieces in the order it merges them, most
 * frequent first), keeping every single character so any word of known letters can be spelt.
 */
export async function trainWordPieceTokenizer(
  captions: readonly string[],
  options: { vocabularySize?: number } = {},
): Promise<CaptionTokenizer> {
  const size = options.vocabularySize ?? WORDPIECE_VOCABULARY_SIZE;
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'wordpiece-'));
  try {
    const corpus = path.join(dir, 'captions.txt');
    await fsp.writeFile(corpus, captions.join('\n'));
    const tokenizer = new Tokenizer(WordPiece.empty());
    tokenizer.setNormalizer(bertNormalizer({ lowercase: true }));
    tokenizer.setPreTokenizer(bertPreTokenizer());
    tokenizer.setDecoder(wordPieceDecoder('##', true));
    tokenizer.train([corpus]);
    const trained = path.join(dir, TOKENIZER_FILE);
    tokenizer.save(trained);

    const json = JSON.parse(await fsp.readFile(trained, 'utf8')) as { model: { vocab: Record<string, number>; unk_token: string } };
    const byId = Object.entries(json.model.vocab)
      .filter(([token]) => token !== PAD && token !== UNK)
      .sort((a, b) => a[1] - b[1])
      .map(([token]) => token);
    const isCharacter = (t: string) => [...t.replace(/^##/, '')].length === 1;
    const characters = byId.filter(isCharacter);
    const pieces = byId.filter((t) => !isCharacter(t)).slice(0, Math.max(0, size - 2 - characters.length));
    const kept = new Set([...characters, ...pieces]);
    const vocab: Record<string, number> = { [PAD]: 0, [UNK]: 1 };
    for (const token of byId) if (kept.has(token)) vocab[token] = Object.keys(vocab).length;
    json.model.vocab = vocab;
    json.model.unk_token = UNK;
    return CaptionTokenizer.fromJSON(JSON.stringify(json));
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

function fromTokenizer(tokenizer: Tokenizer): CaptionTokenizer {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tokenizer-')), TOKENIZER_FILE);
  try {
    tokenizer.save(file);
    return CaptionTokenizer.fromJSON(fs.readFileSync(file, 'utf8'));
  } finally {
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
}
