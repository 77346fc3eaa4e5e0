/**
 * How the model cards write numbers, records and chart axes for a person: at most four decimals,
 * records as "key: value" lines, axes on round ticks. Pure functions (no file access), so pages and
 * tests import them freely.
 */

/**
 * A measured number as a person reads it: integers as they are; others to 4 significant digits and
 * never more than 4 decimals (0.191780821917808 → 0.1918, 0.007842 → 0.0078); below 0.001 in
 * scientific notation (0.0005149 → 5.15e-4).
 */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude < 0.001) return value.toExponential(2).replace(/\.?0+e/, 'e');
  return String(Number(Number(value.toPrecision(4)).toFixed(4)));
}

/** `meanFieldSteps` → `Mean field steps`, `validationPrecisionAt5` → `Validation precision at 5`, `logZInterval` → `Log z interval`. */
export function humanise(key: string): string {
  const words = key
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1 $2')
    .replace(/([a-zA-Z]{2})([0-9])/g, '$1 $2')
    .replace(/[-_]+/g, ' ')
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** An ISO 8601 time as "2026-11-24 03:31 UTC"; undefined for any other text. */
export function formatDate(value: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value) || Number.isNaN(Date.parse(value))) return undefined;
  return `${new Date(value).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** One "key: value" line of a record's summary. */
export interface SummaryLine {
  label: string;
  value: string;
}

/** At most this many lines for a list of records; the rest are in the details. */
const MAX_LINES = 12;
/** A list of numbers or words longer than this is summarised by its ends and its length. */
const MAX_LIST = 8;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Numbers or words in a line: all of a short list, a run of integers as a range, else the ends and the count. */
function listText(values: unknown[]): string {
  if (values.length === 0) return 'none';
  if (values.every((v) => typeof v === 'number' && Number.isInteger(v)) && values.length > 2) {
    const ints = values as number[];
    if (ints.every((v, i) => i === 0 || v === ints[i - 1] + 1)) return `${ints[0]} to ${ints.at(-1)}`;
  }
  if (values.every((v) => !isRecord(v) && !Array.isArray(v))) {
    const shown = values.map((v) => inlineText(v, 1));
    if (shown.length <= MAX_LIST) return shown.join(', ');
    return `${shown.slice(0, 3).join(', ')}, …, ${shown.at(-1)} (${values.length} values)`;
  }
  return `${values.length} entries`;
}

/** A value inside one line: plain values in full, a short record as "key: value" pairs, deeper ones counted. */
function inlineText(value: unknown, depth: number): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'string') return formatDate(value) ?? value;
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (Array.isArray(value)) return listText(value);
  if (isRecord(value)) {
    const entries = Object.entries(value).filter(([, v]) => v !== null && v !== undefined);
    if (depth >= 2) return `(${entries.length} fields)`;
    return entries.map(([k, v]) => `${humanise(k).toLowerCase()} ${inlineText(v, depth + 1)}`).join(', ');
  }
  return String(value);
}

/**
 * A record (an object or a list) as lines a person reads: one per field, "Learning rate: 0.0002";
 * a list of records one line each ("1: layer bottom, epochs 15, …"). Never cut mid-sentence: a
 * string is shown whole; what does not fit in a line is counted and left to the details.
 */
export function summaryLines(value: unknown): SummaryLine[] {
  if (Array.isArray(value)) {
    if (!value.some((v) => isRecord(v))) return [{ label: 'Values', value: listText(value) }];
    const lines = value.slice(0, MAX_LINES).map((v, i) => ({ label: String(i + 1), value: inlineText(v, 0) }));
    if (value.length > MAX_LINES) lines.push({ label: 'More', value: `${value.length - MAX_LINES} more entries, in the details` });
    return lines;
  }
  if (!isRecord(value)) return [{ label: 'Value', value: inlineText(value, 0) }];
  return Object.entries(value)
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => ({ label: humanise(k), value: inlineText(v, 1) }));
}

/** A record as indented JSON (what "details" unfolds), its numbers to 4 significant digits. */
export function rawJson(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(4)) : v), 2);
}

/**
 * Round ticks for an axis from `min` to `max`: about `count` of them, 1, 2 or 5 times a power of
 * ten apart (`integers`: never less than 1 apart), covering the range; with the decimals their
 * labels need (see tickLabel).
 */
export function niceTicks(min: number, max: number, count = 4, integers = false): { ticks: number[]; decimals: number } {
  if (!(max > min)) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    [min, max] = [min - pad, max + pad];
  }
  const rough = (max - min) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(rough));
  let step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? 10 * power;
  if (integers) step = Math.max(1, Math.round(step));
  const first = Math.floor(min / step + 1e-9) * step;
  const last = Math.ceil(max / step - 1e-9) * step;
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const ticks: number[] = [];
  for (let i = 0; first + i * step <= last + step * 1e-6; i++) ticks.push(Number((first + i * step).toFixed(decimals)));
  return { ticks, decimals };
}

/** A tick's label: as many decimals as the ticks need (0.15, 0.2 → "0.15", "0.20"), never more than 4. */
export function tickLabel(tick: number, decimals: number): string {
  return decimals <= 4 ? tick.toFixed(decimals) : formatNumber(tick);
}
