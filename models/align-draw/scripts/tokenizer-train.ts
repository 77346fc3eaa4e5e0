/**
 * Writes alignDRAW's two caption tokenizers:
 *
 * - the WordPiece tokenizer for free text, trained on the caption corpora of the shared data
 *   (COCO val2017, Flickr8k, Pascal Sentences: 70,472 captions), to `<out>/tokenizer.json`;
 * - the word-level tokenizer of MNIST with Captions (the paper's 22 words) to
 *   `<mnist-out>/tokenizer.json`.
 *
 *   npx tsx models/align-draw/scripts/tokenizer-train.ts [--out models/align-draw/checkpoint-coco]
 *       [--vocabulary 4000] [--corpora coco,flickr8k,pascal] [--mnist-out models/align-draw/checkpoint]
 *
 * Not bit-for-bit reproducible: the Hugging Face trainer breaks ties between equally frequent pairs
 * in hash-map order (no seed to set), so two runs differ in a few of the rarest kept pieces (5 of
 * 4,000 between two runs here) and in the ids of single characters. The saved tokenizer.json is the
 * reference: a checkpoint keeps the file it was trained with; retraining means retraining the model.
 */
import fs from 'node:fs';
import { log, parseFlags } from '@/lib/cli/progress';
import { allCaptions, CAPTION_CORPORA, type CaptionCorpus } from '@/lib/datasets';
import {
  COCO_CHECKPOINT_DIR,
  MNIST_CHECKPOINT_DIR,
  mnistCaptionTokenizer,
  trainWordPieceTokenizer,
  WORDPIECE_VOCABULARY_SIZE,
} from '../tokenizer';

const flags = parseFlags();
const out = String(flags.get('out') ?? COCO_CHECKPOINT_DIR);
const mnistOut = String(flags.get('mnist-out') ?? MNIST_CHECKPOINT_DIR);
const vocabularySize = Number(flags.get('vocabulary') ?? WORDPIECE_VOCABULARY_SIZE);
if (!Number.isInteger(vocabularySize) || vocabularySize < 100) throw new Error(`--vocabulary must be a whole number ≥ 100, got ${flags.get('vocabulary')}`);
const corpora = String(flags.get('corpora') ?? CAPTION_CORPORA.join(',')).split(',') as CaptionCorpus[];
const unknown = corpora.filter((c) => !CAPTION_CORPORA.includes(c));
if (unknown.length > 0) throw new Error(`--corpora takes ${CAPTION_CORPORA.join(', ')}; not ${unknown.join(', ')}`);

const captions = await allCaptions(undefined, corpora);
log(`${captions.length} captions from ${corpora.join(', ')}`);
const wordPiece = await trainWordPieceTokenizer(captions, { vocabularySize });
const wordPieceFile = await wordPiece.save(out);
log(`WordPiece, ${wordPiece.size} pieces: ${wordPieceFile} (${(fs.statSync(wordPieceFile).size / 1024).toFixed(0)} KB)`);

const mnist = mnistCaptionTokenizer();
const mnistFile = await mnist.save(mnistOut);
log(`MNIST words, ${mnist.size} tokens: ${mnistFile} (${(fs.statSync(mnistFile).size / 1024).toFixed(1)} KB)`);
