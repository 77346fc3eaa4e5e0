/**
 * Benchmark: what a one-shot request costs against the size of its drawing (strokes × points per
 * stroke), with the committed model, warm, through the model server with one worker (one core).
 * Each drawing goes through the service's own checks first (`prepareDrawing`: the stroke list's
 * limits, the ink limits, the thinning), timed on this thread; what it lets through is classified
 * among run 9's 20 characters (the run whose characters have the most pen path, so the dearest to
 * classify) and made into 16 variants, whose strokes are measured as the gallery stores them.
 *
 * Shapes, each at 1, 10 and 40 strokes of 20, 200 and 2,000 points:
 * - pen: a pen's path, a smooth random walk inside the canvas, points 0.5 px apart (as the page
 *   records them);
 * - zig-zag: every point anywhere in the range the API takes (−105 to 210 px on both axes);
 * - straight: strokes straight across the canvas (100 px), the points evenly along them;
 * (past 10,000 points in all the stroke list is refused before any point is checked); then at the
 * limits: 40 × 250 points (10,000) of each shape shrunk about the canvas's centre to just under
 * the most pen path taken, and the widest zig-zag taken (corner to corner of the range).
 *
 * A request still running after `--budget-s` seconds (default 20) makes the larger sizes of its
 * shape "skipped".
 *
 *   npx tsx test/bench/oneshot-limits.ts [--json] [--repeats 3] [--budget-s 20]
 */
import { isAppError } from '@/lib/errors';
import { prepareDrawing, storedOutput, type PreparedDrawing } from '@/lib/oneshot';
import { mulberry32 } from '@/lib/random';
import { inkLength, pointCount, type Drawing } from '@/lib/strokes';
import { MAX_INK_PX, ONESHOT, type ClassifyOutput, type VariantsOutput } from '@/models/oneshot';
import { intArg, machine, noiseWarning, note, percentile, report, round, table, watchCpu, withOneWorker } from './common';

const MODEL = ONESHOT;
const RUN = 9;
const REPEATS = intArg('repeats', 3);
const BUDGET_MS = intArg('budget-s', 20) * 1000;
const TARGET_MS = 2000;

type Shape = 'pen' | 'zig-zag' | 'straight';

/** `strokes` strokes of `points` points each, seeded. */
function drawingOf(shape: Shape, strokes: number, points: number, seed = 1): Drawing {
  const random = mulberry32(seed);
  return Array.from({ length: strokes }, (_, s) => {
    if (shape === 'zig-zag') return Array.from({ length: points }, (_, i) => ({ x: -105 + 315 * random(), y: -105 + 315 * random(), t: i }));
    if (shape === 'straight') {
      const y = 2.5 + (100 * (s + 0.5)) / strokes;
      return Array.from({ length: points }, (_, i) => ({ x: 2.5 + (points === 1 ? 0 : (100 * i) / (points - 1)), y, t: i }));
    }
    let x = 20 + 65 * random();
    let y = 20 + 65 * random();
    let heading = 2 * Math.PI * random();
    return Array.from({ length: points }, (_, i) => {
      if (i > 0) {
        heading += 0.6 * (random() - 0.5);
        x += 0.5 * Math.cos(heading);
        y += 0.5 * Math.sin(heading);
        if (x < 3 || x > 102) heading = Math.PI - heading; // turns back at the canvas's edge
        if (y < 3 || y > 102) heading = -heading;
      }
      return { x, y, t: i * 8 };
    });
  });
}

/** The drawing shrunk about the canvas's centre to `ink` px of pen path. */
function shrunkTo(drawing: Drawing, ink: number): Drawing {
  const k = ink / inkLength(drawing);
  return drawing.map((stroke) => stroke.map((p) => ({ x: 52.5 + k * (p.x - 52.5), y: 52.5 + k * (p.y - 52.5), t: p.t })));
}

interface Case {
  shape: string;
  strokes: number;
  points: number;
  drawing: Drawing;
}

function cases(): Case[] {
  const grid: Case[] = [];
  for (const shape of ['pen', 'zig-zag', 'straight'] as const) {
    const sizes = [1, 10, 40].flatMap((strokes) => [20, 200, 2000].map((points) => ({ strokes, points, drawing: drawingOf(shape, strokes, points) })));
    sizes.sort((a, b) => inkLength(a.drawing) - inkLength(b.drawing)); // cheapest first, so the budget skips the rest
    grid.push(...sizes.map((size) => ({ shape, ...size })));
  }
  const atLimit = 0.999 * MAX_INK_PX;
  // The most points taken: 40 strokes × 250 (MAX_POINTS_IN_ALL).
  for (const shape of ['pen', 'zig-zag', 'straight'] as const) grid.push({ shape: `${shape}, at the ink limit`, strokes: 40, points: 250, drawing: shrunkTo(drawingOf(shape, 40, 250), atLimit) });
  // Corner to corner of the range (445 px a segment), the last segment cut where the ink reaches the limit.
  const corners = [{ x: -105, y: -105, t: 0 }];
  for (let i = 1; inkLength([corners]) < atLimit; i++) {
    const [from, to] = i % 2 === 1 ? [-105, 210] : [210, -105];
    const k = Math.min(1, (atLimit - inkLength([corners])) / (Math.SQRT2 * 315));
    corners.push({ x: from + k * (to - from), y: from + k * (to - from), t: i });
  }
  grid.push({ shape: 'zig-zag corner to corner, at the ink limit', strokes: 1, points: corners.length, drawing: [corners] });
  return grid;
}

interface Row {
  shape: string;
  strokes: number;
  points: number;
  inkPx: number;
  prepareMs: number;
  /** The error code the service answered, or the prepared drawing's points. */
  refused?: string;
  modelPoints?: number;
  classifyP50Ms?: number;
  classifyMaxMs?: number;
  variantsP50Ms?: number;
  variantsMaxMs?: number;
  /** The generation's stored strokes (drawing and 16 variants) as JSON, bytes. */
  storedBytes?: number;
  skipped?: string;
}

async function timedRuns(once: () => Promise<void>): Promise<number[]> {
  const times: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const t0 = performance.now();
    await once();
    times.push(performance.now() - t0);
    if (times[r] > BUDGET_MS) break;
  }
  return times;
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  const stopWatch = watchCpu();
  await withOneWorker(
    { ...MODEL, maxBatch: 1 },
    async (server) => {
      const classify = async (drawing: Drawing) => ({ output: (await server.run(MODEL, { task: 'classify', drawing, run: RUN })).output as ClassifyOutput });
      const variants = async (drawing: Drawing, seed: number) => ({ output: (await server.run(MODEL, { task: 'variants', drawing, count: 16, seed })).output as VariantsOutput });
      const warm = await prepareDrawing({ strokes: drawingOf('pen', 3, 200) });
      await classify(warm.drawing); // parses the run's characters once
      await variants(warm.drawing, 0);
      const overBudget = new Set<string>();
      for (const c of cases()) {
        const row: Row = { shape: c.shape, strokes: c.strokes, points: c.points, inkPx: round(inkLength(c.drawing), 0), prepareMs: 0 };
        rows.push(row);
        if (overBudget.has(c.shape)) {
          row.skipped = 'a smaller size ran past the budget';
          continue;
        }
        note(`oneshot-limits: ${c.shape}, ${c.strokes} × ${c.points} …`);
        const t0 = performance.now();
        let prepared: PreparedDrawing;
        try {
          prepared = await prepareDrawing({ strokes: c.drawing });
        } catch (error) {
          if (!isAppError(error)) throw error;
          row.prepareMs = round(performance.now() - t0, 1);
          row.refused = error.code;
          continue;
        }
        row.prepareMs = round(performance.now() - t0, 1);
        row.modelPoints = pointCount(prepared.drawing);
        const classified = await timedRuns(async () => void (await classify(prepared.drawing)));
        row.classifyP50Ms = round(percentile(classified, 50), 0);
        row.classifyMaxMs = round(Math.max(...classified), 0);
        let last: VariantsOutput | undefined;
        let seed = 1;
        const made = await timedRuns(async () => void (last = (await variants(prepared.drawing, seed++)).output));
        row.variantsP50Ms = round(percentile(made, 50), 0);
        row.variantsMaxMs = round(Math.max(...made), 0);
        row.storedBytes = Buffer.byteLength(JSON.stringify(storedOutput(prepared, last!.strokes)));
        if (Math.max(...classified, ...made) > BUDGET_MS) overBudget.add(c.shape);
      }
    },
    600_000,
  );

  const cpu = stopWatch();
  const accepted = rows.filter((r) => r.classifyP50Ms !== undefined);
  const worst = accepted.reduce((a, b) => (b.classifyMaxMs! > a.classifyMaxMs! ? b : a));
  const text = [
    `One-shot requests against the drawing's size: run ${RUN}'s 20 characters, 16 variants; committed model, warm, one worker; ${REPEATS} requests per row (one when a request ran past ${BUDGET_MS / 1000} s)`,
    table([
      ['shape', 'strokes × points', 'ink px', 'checks ms', 'taken as', 'classify p50 ms', 'classify max ms', '16 variants p50 ms', 'stored KB'],
      ...rows.map((r) => [
        r.shape,
        `${r.strokes} × ${r.points.toLocaleString('en-US')}`,
        r.inkPx,
        r.skipped ? Number.NaN : r.prepareMs,
        r.skipped ? `skipped: ${r.skipped}` : r.refused ? `refused: ${r.refused}` : `${r.modelPoints!.toLocaleString('en-US')} points`,
        r.classifyP50Ms ?? Number.NaN,
        r.classifyMaxMs ?? Number.NaN,
        r.variantsP50Ms ?? Number.NaN,
        r.storedBytes === undefined ? Number.NaN : round(r.storedBytes / 1024, 0),
      ]),
    ]),
    `Dearest request taken: ${worst.shape}, ${worst.strokes} × ${worst.points} (${worst.inkPx} px of ink): classification ${worst.classifyMaxMs} ms at most against the ${TARGET_MS} ms target (${worst.classifyMaxMs! <= TARGET_MS ? 'met' : 'NOT met'}); largest stored result ${round(Math.max(...accepted.map((r) => r.storedBytes!)) / 1024, 0)} KB`,
    ...noiseWarning('oneshot-limits', cpu),
  ].join('\n');
  report('oneshot-limits', text, { benchmark: 'oneshot-limits', machine: machine(), run: RUN, repeats: REPEATS, budgetMs: BUDGET_MS, targetMs: TARGET_MS, rows, cpu });
}

await main();
