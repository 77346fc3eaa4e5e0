import Link from 'next/link';
import { cardId, formatBytes, loadModelCards, type CheckpointInfo, type ModelCard, type TrainingCurve } from '@/lib/model-cards';
import { EvaluationTable } from '@/app/components/EvaluationTable';
import styles from './models.module.css';

// Checkpoints and evaluations change when a model is retrained: read them on every request.
export const dynamic = 'force-dynamic';

export const metadata = { title: 'Models · Latent Studio' };

/** A small line chart of one logged training number against the epoch. */
function CurveChart({ curve }: { curve: TrainingCurve }) {
  const width = 300;
  const height = 110;
  const pad = { left: 44, right: 8, top: 8, bottom: 22 };
  const xs = curve.points.map(([x]) => x);
  const ys = curve.points.map(([, y]) => y);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (y0 === y1) [y0, y1] = [y0 - 1, y1 + 1];
  const px = (x: number) => pad.left + ((x - x0) / (x1 - x0 || 1)) * (width - pad.left - pad.right);
  const py = (y: number) => pad.top + (1 - (y - y0) / (y1 - y0)) * (height - pad.top - pad.bottom);
  const label = (v: number) => String(+v.toPrecision(3));
  return (
    <figure className={styles.curve}>
      <svg width={width} height={height} role="img" aria-label={`${curve.label} by epoch`}>
        <line x1={pad.left} y1={height - pad.bottom} x2={width - pad.right} y2={height - pad.bottom} className={styles.axis} />
        <line x1={pad.left} y1={pad.top} x2={pad.left} y2={height - pad.bottom} className={styles.axis} />
        <text x={pad.left - 4} y={pad.top + 8} textAnchor="end">
          {label(y1)}
        </text>
        <text x={pad.left - 4} y={height - pad.bottom} textAnchor="end">
          {label(y0)}
        </text>
        <text x={pad.left} y={height - 6}>
          {x0}
        </text>
        <text x={width - pad.right} y={height - 6} textAnchor="end">
          epoch {x1}
        </text>
        <polyline points={curve.points.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ')} className={styles.line} />
      </svg>
      <figcaption>{curve.label}</figcaption>
    </figure>
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
      <dl className={styles.facts}>
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
            <dd>{fact.label === 'Command' ? <code>{fact.value}</code> : fact.value}</dd>
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
