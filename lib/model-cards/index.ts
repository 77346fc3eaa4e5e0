/**
 * Model cards: for every model in the catalog, and every other model folder with a checkpoint,
 * what its checkpoint says about how it was trained (`checkpoint/meta.json`, written by its
 * `train.ts`; a folder with several models has one per subfolder, `checkpoint/<part>/meta.json`)
 * and how well it does (`checkpoint/evaluation.json`, written by its `evaluate.ts --write`). A
 * model without a checkpoint gets a card that says so; a file that cannot be read is reported on
 * the card, never thrown at the page.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { MODEL_CATALOG, type CatalogEntry } from './catalog';
import { EVALUATION_FILE, evaluationSchema, type Evaluation } from './evaluation';

export * from './catalog';
export * from './evaluation';

export const META_FILE = 'meta.json';

/** One line of "how it was trained": a label and a value as text. */
export interface TrainingFact {
  label: string;
  value: string;
}

/** A number a model logged per epoch while training (e.g. validation precision). */
export interface TrainingCurve {
  label: string;
  points: Array<[epoch: number, value: number]>;
}

/** One trained checkpoint: the model's own, or one of several in `checkpoint/<part>/`. */
export interface CheckpointInfo {
  /** null for `checkpoint/meta.json` itself; the subfolder's name otherwise. */
  part: string | null;
  version?: string;
  training: TrainingFact[];
  curves: TrainingCurve[];
  /** Bytes of the files of this checkpoint (the evaluation excluded). */
  bytes: number;
}

export interface ModelCard extends CatalogEntry {
  /** At least one meta.json was read: the model has been trained. */
  trained: boolean;
  checkpoints: CheckpointInfo[];
  evaluation?: Evaluation;
  /** Why a meta.json or the evaluation could not be shown, for a person. */
  problems: string[];
}

// meta.json is written by each model's own train.ts; the card reads the fields it knows by name
// and shows the other plain values as they are.
const metaSchema = z.record(z.string(), z.unknown());

const KNOWN_FACTS: Array<{ keys: string[]; label: string; show?: (v: unknown) => string }> = [
  { keys: ['data', 'dataset', 'trainedOn'], label: 'Trained on' },
  { keys: ['command'], label: 'Command' },
  { keys: ['seed'], label: 'Seed' },
  { keys: ['pretrainEpochs'], label: 'Pretraining epochs' },
  { keys: ['epochs'], label: 'Epochs' },
  { keys: ['trainingSeconds', 'trainSeconds', 'seconds'], label: 'Training time', show: (v) => (typeof v === 'number' ? formatDuration(v) : text(v)) },
  { keys: ['trainingTime', 'duration'], label: 'Training time' },
  { keys: ['backend'], label: 'Backend' },
  { keys: ['architecture'], label: 'Architecture' },
  { keys: ['featureVersion'], label: 'Image features' },
  { keys: ['date', 'trainedAt', 'created'], label: 'Trained' },
  { keys: ['fineTuning'], label: 'Fine-tuning', show: fineTuningText },
  { keys: ['ranking'], label: 'Ranking', show: rankingText },
];

/** A tag ranking `{ alpha, frequency: [...] }` as its formula (the frequencies are one per word). */
function rankingText(value: unknown): string {
  const alpha = (value as { alpha?: unknown } | null)?.alpha;
  return typeof alpha === 'number' ? `words by p(word | image) / p(word)^${alpha}, p(word) their training frequency` : text(value);
}

/** A fine-tuning record `{ method, command, epochs, keptEpoch, … }` in a sentence; anything else as it is. */
function fineTuningText(value: unknown): string {
  const record = (typeof value === 'object' && value !== null ? value : {}) as { method?: unknown; command?: unknown; epochs?: unknown; keptEpoch?: unknown };
  if (typeof record.method !== 'string' || typeof record.command !== 'string' || typeof record.epochs !== 'number') return text(value);
  const kept = typeof record.keptEpoch === 'number' && record.keptEpoch !== record.epochs ? ` (epoch ${record.keptEpoch} kept)` : '';
  return `${record.epochs} epochs${kept}, ${record.method}. Command: ${record.command}`;
}
const VERSION_KEYS = ['version', 'modelVersion'];
/** Shown elsewhere on the card (the catalog's name and paper, the curves), not as facts. */
const NOT_FACTS = ['model', 'paper', 'history'];

function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(+value.toPrecision(4));
  if (typeof value === 'boolean') return String(value);
  const json = JSON.stringify(value, (_, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? +v.toPrecision(4) : v));
  return json.length > 240 ? `${json.slice(0, 237)}…` : json;
}

export function formatDuration(seconds: number): string {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** The training facts of a meta.json, known fields first in a fixed order, then the rest. */
export function trainingFacts(meta: Record<string, unknown>): TrainingFact[] {
  const used = new Set<string>([...VERSION_KEYS, ...NOT_FACTS]);
  const facts: TrainingFact[] = [];
  for (const fact of KNOWN_FACTS) {
    const key = fact.keys.find((k) => meta[k] !== undefined && meta[k] !== null);
    fact.keys.forEach((k) => used.add(k));
    if (key !== undefined && !facts.some((f) => f.label === fact.label)) facts.push({ label: fact.label, value: (fact.show ?? text)(meta[key]) });
  }
  for (const [key, value] of Object.entries(meta)) {
    if (used.has(key) || value === null || value === undefined) continue;
    facts.push({ label: humanise(key), value: text(value) });
  }
  return facts;
}

/** `meanFieldSteps` → `Mean field steps`. */
function humanise(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[-_]+/g, ' ')
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * Curves from `meta.history`, an array of per-epoch records `{ epoch, <name>: number | null, … }`:
 * one curve per numeric field (not the counters `epoch`, `seconds`, `step` or `batch`), skipping
 * epochs where it is null.
 */
const COUNTERS = new Set(['epoch', 'seconds', 'step', 'batch']);

export function trainingCurves(meta: Record<string, unknown>): TrainingCurve[] {
  const history = meta.history;
  if (!Array.isArray(history)) return [];
  const records = history.filter((r): r is Record<string, unknown> => typeof r === 'object' && r !== null && typeof (r as { epoch?: unknown }).epoch === 'number');
  const names = [...new Set(records.flatMap((r) => Object.keys(r)))].filter((k) => !COUNTERS.has(k));
  return names
    .map((label) => ({
      label,
      points: records.flatMap((r): Array<[number, number]> => (typeof r[label] === 'number' && Number.isFinite(r[label]) ? [[r.epoch as number, r[label] as number]] : [])),
    }))
    .filter((curve) => curve.points.length >= 2);
}

async function readJson(file: string): Promise<unknown | undefined> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function exists(file: string): Promise<boolean> {
  return fs.stat(file).then(
    () => true,
    () => false,
  );
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || entry.name === EVALUATION_FILE) continue;
    total += (await fs.stat(path.join(entry.parentPath, entry.name))).size;
  }
  return total;
}

/** The meta.json files of a checkpoint folder: its own, else one per subfolder that has one. */
async function metaFiles(dir: string): Promise<Array<{ part: string | null; dir: string }>> {
  if (await exists(path.join(dir, META_FILE))) return [{ part: null, dir }];
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  const parts: Array<{ part: string | null; dir: string }> = [];
  for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    if (await exists(path.join(dir, entry.name, META_FILE))) parts.push({ part: entry.name, dir: path.join(dir, entry.name) });
  }
  return parts;
}

/** The card of one catalog entry, from `<modelsDir>/<folder>/checkpoint/` (or its own checkpoint folder). */
export async function loadModelCard(entry: CatalogEntry, modelsDir: string): Promise<ModelCard> {
  const dir = path.join(modelsDir, entry.folder, entry.checkpoint ?? 'checkpoint');
  const card: ModelCard = { ...entry, trained: false, checkpoints: [], problems: [] };
  for (const { part, dir: partDir } of await metaFiles(dir)) {
    const file = path.join(part ?? '', META_FILE);
    try {
      const meta = metaSchema.parse(await readJson(path.join(partDir, META_FILE)));
      const versionKey = VERSION_KEYS.find((k) => typeof meta[k] === 'string');
      card.checkpoints.push({
        part,
        version: versionKey ? (meta[versionKey] as string) : undefined,
        training: trainingFacts(meta),
        curves: trainingCurves(meta),
        bytes: await folderBytes(partDir),
      });
    } catch (error) {
      card.problems.push(`${file} could not be read: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  card.trained = card.checkpoints.length > 0;
  try {
    const raw = await readJson(path.join(dir, EVALUATION_FILE));
    if (raw !== undefined) {
      const parsed = evaluationSchema.safeParse(raw);
      if (parsed.success) card.evaluation = parsed.data;
      else card.problems.push(`${EVALUATION_FILE} is not in the model-card format (lib/model-cards/evaluation.ts), so its numbers are not shown here.`);
    }
  } catch (error) {
    card.problems.push(`${EVALUATION_FILE} could not be read: ${(error as Error).message.split('\n')[0]}`);
  }
  return card;
}

/** A card entry for a trained model folder that is not in the catalog, from what its meta.json says. */
async function uncataloguedEntry(modelsDir: string, folder: string): Promise<CatalogEntry | null> {
  const parts = await metaFiles(path.join(modelsDir, folder, 'checkpoint'));
  if (parts.length === 0) return null;
  const papers = new Set<string>();
  for (const part of parts) {
    const meta = metaSchema.safeParse(await readJson(path.join(part.dir, META_FILE)).catch(() => undefined));
    if (meta.success && typeof meta.data.paper === 'string') papers.add(meta.data.paper);
  }
  return {
    folder,
    name: folder.replace(/[-_]+/g, ' ').replace(/^./, (c) => c.toUpperCase()),
    task: '',
    papers: [...papers].map((title) => ({ authors: '', title, venue: '' })),
    architecture: '',
  };
}

/** Every catalog model's card, in catalog order, then cards of other trained model folders. */
export async function loadModelCards(modelsDir: string = path.join(process.cwd(), 'models')): Promise<ModelCard[]> {
  const known = new Set(MODEL_CATALOG.map((e) => e.folder));
  const folders = (await fs.readdir(modelsDir, { withFileTypes: true }).catch(() => []))
    .filter((e) => e.isDirectory() && !known.has(e.name))
    .map((e) => e.name)
    .sort();
  const extra = (await Promise.all(folders.map((folder) => uncataloguedEntry(modelsDir, folder)))).filter((e): e is CatalogEntry => e !== null);
  return Promise.all([...MODEL_CATALOG, ...extra].map((entry) => loadModelCard(entry, modelsDir)));
}

/** How a page's models are doing, for its card on the home page. */
export interface PageStatus {
  /** Some model of the page has a checkpoint here. */
  available: boolean;
  /** Goals its models' evaluations hold them to, and how many are met. */
  goals: number;
  met: number;
  /** The cards whose evaluation says its goal is not met. */
  unmet: string[];
}

/** Read from the checkpoints' meta.json and evaluation.json of every card of these models. */
export async function pageStatus(folders: readonly string[], modelsDir: string = path.join(process.cwd(), 'models')): Promise<PageStatus> {
  // Only the evaluations and whether a checkpoint is there: the home page asks on every view, and a
  // whole card (every file's size, the curves) is the /models page's business.
  const cards = await Promise.all(
    MODEL_CATALOG.filter((entry) => folders.includes(entry.folder)).map(async (entry) => {
      const dir = path.join(modelsDir, entry.folder, entry.checkpoint ?? 'checkpoint');
      const evaluation = evaluationSchema.safeParse(await readJson(path.join(dir, EVALUATION_FILE)).catch(() => undefined));
      return { name: entry.name, trained: (await metaFiles(dir)).length > 0, goal: evaluation.success ? evaluation.data.goal : undefined };
    }),
  );
  const goals = cards.flatMap((card) => (card.goal ? [{ name: card.name, met: card.goal.met }] : []));
  return {
    available: cards.length === 0 || cards.some((card) => card.trained),
    goals: goals.length,
    met: goals.filter((goal) => goal.met).length,
    unmet: goals.filter((goal) => !goal.met).map((goal) => goal.name),
  };
}
