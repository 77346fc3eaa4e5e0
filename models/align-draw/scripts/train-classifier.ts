/**
 * Trains the digit classifier that judges generated canvases (see digit-classifier.ts).
 *
 *   npx tsx models/align-draw/scripts/train-classifier.ts [--epochs 6] [--seed 1] [--out DIR]
 */
import { log, parseFlags } from '@/lib/cli/progress';
import { initBackend } from '@/lib/tfjs/backend';
import { CLASSIFIER_DIR, trainDigitClassifier } from '../digit-classifier';

const flags = parseFlags();
const backend = await initBackend('auto');
log(`backend: ${backend.name}`);
const result = await trainDigitClassifier({ epochs: Number(flags.get('epochs') ?? 6), seed: Number(flags.get('seed') ?? 1), out: String(flags.get('out') ?? CLASSIFIER_DIR) });
log(`test accuracy ${(100 * result.testAccuracy).toFixed(2)}% (blurred ${(100 * result.testAccuracyBlurred).toFixed(2)}%) in ${result.seconds}s`);
