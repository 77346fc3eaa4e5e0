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
import { loadFigures, type Figures } from './figures';
import { formatDate, formatNumber, humanise, rawJson, summaryLines, type SummaryLine } from './format';

export * from './catalog';
export * from './evaluation';
export * from './format';
export * from './figures';

export const META_FILE = 'meta.json';

/**
 * One line of "how it was trained": a label and a value as text. A record (an object or a list in
 * meta.json) comes as its summary, `lines` ("key: value"), and the record itself as JSON in `raw`,
 * which the page folds under "details"; its `value` then says how many fields it has.
 */
export interface TrainingFact {
  label: string;
  value: string;
  lines?: SummaryLine[];
  raw?: string;
}

/** A number a model logged per epoch while training (e.g. validation precision). */
export interface TrainingCurve {
  label: string;
  /** What the x axis counts: epochs, or (a model trained on endless fresh batches) batches. */
  x: 'epoch' | 'batch';
  points: Array<[x: number, value: number]>;
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
  /** Qualitative figures (figures.json), when the model has them. */
  figures?: Figures;
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
  { keys: ['date', 'trainedAt', 'created'], label: 'Trained', show: dateText },
  { keys: ['fineTuning'], label: 'Fine-tuning', show: fineTuningText },
  { keys: ['ranking'], label: 'Ranking', show: rankingText },
];

/** An ISO 8601 time as "2026-11-24 03:31 UTC"; anything else as it is. */
function dateText(value: unknown): string {
  return (typeof value === 'string' ? formatDate(value) : undefined) ?? text(value);
}

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

/** A plain value as text; a record (object or list) as a count of its fields, summarised in the fact's lines. */
function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (Array.isArray(value)) return `${value.length} ${value.length === 1 ? 'value' : 'values'}`;
  if (typeof value === 'object' && value !== null) return `${Object.keys(value).length} fields`;
  return String(value);
}

const isStructured = (value: unknown) => typeof value === 'object' && value !== null;

/** A fact; a record gets its summary lines and its JSON for "details". */
function fact(label: string, value: unknown, show: (v: unknown) => string = text): TrainingFact {
  const shown = show(value);
  if (!isStructured(value)) return { label, value: shown };
  // A record said in a sentence (fine-tuning, ranking) needs no lines; its JSON is still there.
  return shown === text(value) ? { label, value: shown, lines: summaryLines(value), raw: rawJson(value) } : { label, value: shown, raw: rawJson(value) };
}

/**
 * Scratch folders (`/tmp/…`, `/var/tmp/…`) in what a checkpoint records, replaced by the
 * checkpoint's own folder: a command first run with `--out /tmp/dbm-final-gen` reads as the same
 * command writing where the checkpoint is kept (`models/multimodal-dbm/checkpoint`).
 */
const SCRATCH_PATH = /(?<![\w.~-])\/(?:var\/)?tmp\/[^\s"'`,;)]*/g;

export function withoutScratchPaths<T>(value: T, checkpointFolder: string): T {
  if (typeof value === 'string') return value.replace(SCRATCH_PATH, checkpointFolder) as T;
  if (Array.isArray(value)) return value.map((v) => withoutScratchPaths(v, checkpointFolder)) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutScratchPaths(v, checkpointFolder)])) as T;
  }
  return value;
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

/**
 * The training facts of a meta.json, known fields first in a fixed order, then the rest. Scratch
 * paths in it read as `checkpointFolder` (see withoutScratchPaths).
 */
export function trainingFacts(meta: Record<string, unknown>, checkpointFolder = 'the checkpoint folder'): TrainingFact[] {
  meta = withoutScratchPaths(meta, checkpointFolder);
  const used = new Set<string>([...VERSION_KEYS, ...NOT_FACTS]);
  const facts: TrainingFact[] = [];
  for (const known of KNOWN_FACTS) {
    const key = known.keys.find((k) => meta[k] !== undefined && meta[k] !== null);
    known.keys.forEach((k) => used.add(k));
    if (key !== undefined && !facts.some((f) => f.label === known.label)) facts.push(fact(known.label, meta[key], known.show));
  }
  for (const [key, value] of Object.entries(meta)) {
    if (used.has(key) || value === null || value === undefined) continue;
    facts.push(fact(humanise(key), value));
  }
  return facts;
}

/**
 * Curves from `meta.history`, an array of per-epoch records `{ epoch, <name>: number | null, … }`:
 * one curve per numeric field (not the counters `epoch`, `seconds`, `step` or `batch`), skipping
 * epochs where it is null.
 */
const COUNTERS = new Set(['epoch', 'seconds', 'step', 'batch']);

/**
 * The numbers `meta.history` logged, each against the epoch (or, for a history without epochs, the
 * batch): a curve needs two points and more than one value (a setting that never changed is no curve).
 */
export function trainingCurves(meta: Record<string, unknown>): TrainingCurve[] {
  const history = meta.history;
  if (!Array.isArray(history)) return [];
  const objects = history.filter((r): r is Record<string, unknown> => typeof r === 'object' && r !== null);
  const x: TrainingCurve['x'] = objects.some((r) => typeof r.epoch === 'number') ? 'epoch' : 'batch';
  const records = objects.filter((r) => typeof r[x] === 'number');
  const names = [...new Set(records.flatMap((r) => Object.keys(r)))].filter((k) => !COUNTERS.has(k));
  return names
    .map((label) => ({
      label,
      x,
      points: records.flatMap((r): Array<[number, number]> => (typeof r[label] === 'number' && Number.isFinite(r[label]) ? [[r[x] as number, r[label] as number]] : [])),
    }))
    .filter((curve) => curve.points.length >= 2 && new Set(curve.points.map(([, v]) => v)).size > 1);
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
        training: trainingFacts(meta, path.join('models', path.relative(modelsDir, partDir))),
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
      if (parsed.success) card.evaluation = withoutScratchPaths(parsed.data, path.join('models', path.relative(modelsDir, dir)));
      else card.problems.push(`${EVALUATION_FILE} is not in the model-card format (lib/model-cards/evaluation.ts), so its numbers are not shown here.`);
    }
  } catch (error) {
    card.problems.push(`${EVALUATION_FILE} could not be read: ${(error as Error).message.split('\n')[0]}`);
  }
  const { figures, problem } = await loadFigures(dir, path.join(path.dirname(modelsDir), 'public'));
  if (figures) card.figures = figures;
  if (problem) card.problems.push(problem);
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
