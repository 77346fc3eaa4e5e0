/**
 * What `evaluate.ts` reports: the table on stdout, and `checkpoint/evaluation.json` in the
 * model-card format (lib/model-cards/evaluation.ts) with every measured detail kept beside it.
 */
import type { Evaluation } from '@/lib/model-cards';
import type { BaselineResult } from './baselines';
import type { ModelName } from './model';

/** Published test log-probabilities on MNIST (60,000 training, 10,000 test images); not measured here. */
export const PUBLISHED = {
  rbm: { figure: -86.34, source: 'Salakhutdinov & Murray (ICML 2008), RBM 784-500 trained with CD25, AIS estimate' },
  dbm: { figure: -84.62, source: 'Salakhutdinov & Hinton (AISTATS 2009), 2-layer DBM 784-500-1000, variational lower bound' },
} as const;

export interface ModelMetrics {
  model: string;
  /** Its checkpoint's version (a hash of its weights). */
  version: string;
  logZ: number;
  /** AIS's log Z ± 3 standard errors (the lower end is −∞, null in JSON, when 3σ exceeds the mean weight). */
  logZInterval: [number, number];
  /** log Z is certainly above this: Σ over the distinct training images (and the blank one) of p*(v) ≤ Z. */
  logZFloor: number;
  /** Which layers AIS kept, and its base model. */
  ais: string;
  heldOut: number;
  /** The held-out figure over AIS's ±3σ interval of log Z. */
  heldOutInterval: [number, number];
  train: number;
  /** What the figures are: a log-probability or a lower bound on it. */
  measure: string;
  published: number;
  publishedSource: string;
  /** How it was trained, from its meta.json. */
  training: string | null;
  aisSeconds: number;
  /** log Z again, by AIS that keeps the other parity of layers (another base model, other sums). */
  crossCheck?: { keptParity: 0 | 1; base: string; logZ: number; logZInterval: [number, number]; seconds: number };
}

export interface EvaluationDetails {
  data: string;
  split: unknown;
  binarization: unknown;
  ais: { runs: number; temperatures: number; seed: number };
  backend: string;
  rbm: ModelMetrics | null;
  dbm: ModelMetrics | null;
  baselines: BaselineResult[];
}

/** −∞ (null once through JSON) where AIS's interval has no lower end. */
const fmt = (x: number | null) => (x === null || x === -Infinity ? '−∞' : x === Infinity ? '∞' : x.toFixed(2));
const interval = (x: [number, number]) => `[${fmt(x[0])}, ${fmt(x[1])}]`;
const modelsOf = (e: EvaluationDetails) => (['rbm', 'dbm'] as const).flatMap((name) => (e[name] ? [[name, e[name]] as const] : []));

export function table(e: EvaluationDetails, missing: string[] = []): string {
  const models = modelsOf(e);
  return [
    `Data: ${e.data}`,
    `AIS: ${e.ais.runs} runs, ${e.ais.temperatures} temperatures. The published figures are for MNIST's 60,000 training / 10,000 test images and far longer training: expect a gap.`,
    '',
    '| model | held-out avg log p (nats), over AIS ±3σ | train avg log p | published (MNIST test) | training |',
    '| --- | --- | --- | --- | --- |',
    ...models.map(([name, r]) => `| ${r.model} | ${fmt(r.heldOut)}${name === 'dbm' ? ' (lower bound)' : ''} ${interval(r.heldOutInterval)} | ${fmt(r.train)} | ${fmt(r.published)} | ${r.training ?? ''} |`),
    ...e.baselines.map((b) => `| ${b.name} (exact) | ${fmt(b.heldOut)} | ${fmt(b.train)} | — | ${b.detail} |`),
    '',
    '| model | log Z by AIS, ±3σ | AIS kept / base | certain floor on log Z | cross-check: other parity |',
    '| --- | --- | --- | --- | --- |',
    ...models.map(([, r]) => {
      const check = r.crossCheck ? `${fmt(r.crossCheck.logZ)} ${interval(r.crossCheck.logZInterval)} (${r.crossCheck.base})` : 'not run (--cross-check)';
      return `| ${r.model} | ${fmt(r.logZ)} ${interval(r.logZInterval)} | ${r.ais} | ${fmt(r.logZFloor)} | ${check} |`;
    }),
    ...models.flatMap(([, r]) => [
      ...(r.logZ < r.logZFloor ? ['', `NOTE: ${r.model}: AIS's log Z is below the certain floor, so AIS has not converged and the log p figures are too high.`] : []),
      ...(r.crossCheck && r.crossCheck.logZ < r.logZFloor ? ['', `NOTE: ${r.model}: the cross-check's log Z is below the certain floor (not converged).`] : []),
    ]),
    ...missing.flatMap((m) => ['', m]),
  ].join('\n');
}

/** The model-card evaluation, with the full details under `details`. */
export function cardEvaluation(e: EvaluationDetails, run: { command: string; date: string }): Evaluation & { details: EvaluationDetails } {
  const models = modelsOf(e);
  const ours = models.map(([name, r]) => ({
    key: name,
    label: r.model,
    kind: 'ours' as const,
    values: { heldOut: r.heldOut, train: r.train, logZ: r.logZ },
    note:
      `${r.measure}; held-out over AIS ±3σ ${interval(r.heldOutInterval)}; log Z certainly ≥ ${fmt(r.logZFloor)}` +
      (r.crossCheck ? `; AIS over the other parity: ${fmt(r.crossCheck.logZ)}` : '') +
      (r.training ? `; ${r.training}` : ''),
  }));
  return {
    model: 'boltzmann-mnist',
    date: run.date,
    command: run.command,
    data: e.data,
    protocol:
      `log Z by annealed importance sampling (${e.ais.runs} runs, ${e.ais.temperatures} temperatures, Salakhutdinov & Murray 2008). ` +
      'RBM: average −F(v) − log Z. DBM: average mean-field variational lower bound (30 sweeps) − log Z. Baselines: exact log-likelihoods. Nats per image.',
    modelVersion: models.map(([, r]) => r.version).join(' ') || 'untrained',
    columns: [
      { key: 'heldOut', label: 'Held-out log p', format: 'number', help: 'average over the 2,000 held-out images, nats (DBM: a lower bound)' },
      { key: 'train', label: 'Training log p', format: 'number', help: 'average over the 8,000 training images, nats' },
      { key: 'logZ', label: 'log Z', format: 'number', help: 'AIS estimate of the log partition function' },
    ],
    rows: [
      ...ours,
      ...e.baselines.map((b, i) => ({ key: `baseline-${i}`, label: b.name, kind: 'baseline' as const, values: { heldOut: b.heldOut, train: b.train, logZ: null }, note: `exact; ${b.detail}` })),
      ...(['rbm', 'dbm'] as ModelName[]).map((name) => ({
        key: `published-${name}`,
        label: PUBLISHED[name].source,
        kind: 'published' as const,
        values: { heldOut: PUBLISHED[name].figure, train: null, logZ: null },
        note: "MNIST's own 60,000 training and 10,000 test images",
      })),
    ],
    details: e,
  };
}
