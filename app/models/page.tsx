import Link from 'next/link';
import {
  cardId,
  formatBytes,
  formatDate,
  formatNumber,
  humanise,
  loadModelCards,
  niceTicks,
  tickLabel,
  type CheckpointInfo,
  type Figures,
  type ModelCard,
  type TrainingCurve,
  type TrainingFact,
} from '@/lib/model-cards';
import { EvaluationTable } from '@/app/components/EvaluationTable';
import styles from './models.module.css';

// Checkpoints and evaluations change when a model is retrained: read them on every request.
export const dynamic = 'force-dynamic';

export const metadata = { title: 'Models · Latent Studio' };

/** A small line chart of one logged training number against the epoch (or batch), on round ticks. */
function CurveChart({ curve }: { curve: TrainingCurve }) {
  const width = 300;
  const height = 130;
  const pad = { left: 50, right: 14, top: 10, bottom: 24 };
  const xs = curve.points.map(([x]) => x);
  const ys = curve.points.map(([, y]) => y);
  const x = niceTicks(Math.min(...xs), Math.max(...xs), 5, true);
  const y = niceTicks(Math.min(...ys), Math.max(...ys), 4);
  const [x0, x1] = [x.ticks[0], x.ticks.at(-1)!];
  const [y0, y1] = [y.ticks[0], y.ticks.at(-1)!];
  const px = (v: number) => pad.left + ((v - x0) / (x1 - x0 || 1)) * (width - pad.left - pad.right);
  const py = (v: number) => pad.top + (1 - (v - y0) / (y1 - y0 || 1)) * (height - pad.top - pad.bottom);
  const title = humanise(curve.label);
  return (
    <figure className={styles.curve}>
      <svg width={width} height={height} role="img" aria-label={`${title} by ${curve.x}, from ${formatNumber(ys[0])} at ${curve.x} ${formatNumber(xs[0])} to ${formatNumber(ys.at(-1)!)} at ${curve.x} ${formatNumber(xs.at(-1)!)}`}>
        {y.ticks.map((t) => (
          <g key={`y${t}`}>
            <line x1={pad.left} y1={py(t)} x2={width - pad.right} y2={py(t)} className={styles.grid} />
            <text x={pad.left - 6} y={py(t) + 3.5} textAnchor="end" data-axis="y">
              {tickLabel(t, y.decimals)}
            </text>
          </g>
        ))}
        {x.ticks.map((t) => (
          <text key={`x${t}`} x={px(t)} y={height - pad.bottom + 15} textAnchor="middle" data-axis="x">
            {tickLabel(t, x.decimals)}
          </text>
        ))}
        <line x1={pad.left} y1={height - pad.bottom} x2={width - pad.right} y2={height - pad.bottom} className={styles.axis} />
        <line x1={pad.left} y1={pad.top} x2={pad.left} y2={height - pad.bottom} className={styles.axis} />
        <polyline points={curve.points.map(([a, b]) => `${px(a).toFixed(1)},${py(b).toFixed(1)}`).join(' ')} className={styles.line} />
      </svg>
      <figcaption>
        {title}, by {curve.x}
      </figcaption>
    </figure>
  );
}

/** A fact's value: a command as code; a record as "key: value" lines with its JSON folded under "details". */
function FactValue({ fact }: { fact: TrainingFact }) {
  if (fact.label === 'Command') return <code>{fact.value}</code>;
  return (
    <>
      {fact.lines ? (
        <ul className={styles.lines}>
          {fact.lines.map((line) => (
            <li key={line.label}>
              <span className={styles.key}>{line.label}:</span> {line.value}
            </li>
          ))}
        </ul>
      ) : (
        fact.value
      )}
      {fact.raw && (
        <details className={styles.details}>
          <summary>details</summary>
          <pre tabIndex={0}>{fact.raw}</pre>
        </details>
      )}
    </>
  );
}

function Checkpoint({ checkpoint }: { checkpoint: CheckpointInfo }) {
  return (
    <>
      <h3 className={styles.section}>
        {checkpoint.part ? (
          <>
            How <code>{checkpoint.part}</code> was trained
          </>
        ) : (
          'How it was trained'
        )}
      </h3>
      <dl className={styles.facts} data-testid="training-facts">
        {checkpoint.version && (
          <>
            <dt>Version</dt>
            <dd>
              <code>{checkpoint.version}</code>
            </dd>
          </>
        )}
        {checkpoint.training.map((fact) => (
          <div key={fact.label} style={{ display: 'contents' }}>
            <dt>{fact.label}</dt>
            <dd>
              <FactValue fact={fact} />
            </dd>
          </div>
        ))}
        <dt>Checkpoint size</dt>
        <dd>{formatBytes(checkpoint.bytes)}</dd>
      </dl>
      {checkpoint.curves.length > 0 && (
        <div className={styles.curves}>
          {checkpoint.curves.map((curve) => (
            <CurveChart key={curve.label} curve={curve} />
          ))}
        </div>
      )}
    </>
  );
}

/** The model's qualitative figures: each sentence, what it drew, and the nearest training sentence when named. */
function FigureGroups({ figures }: { figures: Figures }) {
  return (
    <div data-testid="model-figures">
      {figures.groups.map((group) => (
        <figure key={group.title} className={styles.figure}>
          <figcaption>
            <h3 className={styles.section}>{group.title}</h3>
            {group.note && <p className={styles.small}>{group.note}</p>}
          </figcaption>
          <ul className={styles.figureRows}>
            {group.rows.map((row) => (
              <li key={row.sentence} data-testid="figure-row">
                <p className={styles.figureSentence}>“{row.sentence}”</p>
                {/* eslint-disable-next-line @next/next/no-img-element */}
                <img src={row.image} alt={row.alt} className={styles.figureStrip} />
                {row.nearest && (
                  <p className={styles.small}>
                    Nearest training sentence: “{row.nearest.sentence}” (similarity {formatNumber(row.nearest.similarity)})
                  </p>
                )}
              </li>
            ))}
          </ul>
        </figure>
      ))}
      <p className={styles.small}>
        Drawn by <code>{figures.command}</code>
        {figures.modelVersion && <> with {figures.modelVersion}</>}
        {figures.temperature !== undefined && <> at temperature {figures.temperature}</>}
        {formatDate(figures.date) && <>, {formatDate(figures.date)}</>}.
      </p>
    </div>
  );
}

function Card({ card }: { card: ModelCard }) {
  const version = card.checkpoints.length === 1 ? card.checkpoints[0].version : undefined;
  return (
    <section id={cardId(card)} className={styles.model} data-testid={`model-card-${cardId(card)}`}>
      <div className={styles.head}>
        <h2>{card.name}</h2>
        <span className={`badge ${card.trained ? 'ok' : ''}`}>{card.trained ? `trained${version ? ` · ${version}` : ''}` : 'not trained yet'}</span>
      </div>
      {card.task && (
        <p className={styles.task}>
          {card.task}
          {/* The model's page only exists once it is trained. */}
          {card.trained && card.page && (
            <>
              {' '}
              — <Link href={card.page}>{card.page}</Link>
            </>
          )}
        </p>
      )}
      {card.papers.length > 0 && (
        <ul className={styles.papers}>
          {card.papers.map((paper) => (
            <li key={paper.title}>
              {paper.authors && <>{paper.authors}, </>}
              {paper.url ? <a href={paper.url}>{paper.title}</a> : paper.title}
              {paper.venue && (
                <>
                  , <em>{paper.venue}</em>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
      {card.architecture && <p className={styles.architecture}>{card.architecture}</p>}
      {card.trained ? (
        <>
          {card.checkpoints.map((checkpoint) => (
            <Checkpoint key={checkpoint.part ?? ''} checkpoint={checkpoint} />
          ))}
          <EvaluationTable evaluation={card.evaluation} id={cardId(card)} />
          {card.figures && <FigureGroups figures={card.figures} />}
          {!card.evaluation && card.evaluate && (
            <p className={styles.pending}>
              Not measured yet: <code>{card.evaluate}</code> measures it.
            </p>
          )}
        </>
      ) : (
        <p className={styles.pending}>
          This model is still being built and trained by this project. Its training record and the numbers it reaches on held-out data will appear here
          as soon as its checkpoint is in place.
        </p>
      )}
      {card.problems.map((problem) => (
        <p key={problem} className={styles.problem}>
          {problem}
        </p>
      ))}
    </section>
  );
}

export default async function ModelsPage() {
  const cards = await loadModelCards();
  return (
    <>
      <h1>Models</h1>
      <p className="lead">
        Every model here is trained by this project&apos;s own code on public datasets. Each card says which paper it follows, what it was trained on,
        and what it scores on held-out data next to simple baselines run in the same command and to the figures the papers published.
      </p>
      {cards.map((card) => (
        <Card key={cardId(card)} card={card} />
      ))}
    </>
  );
}
