import type { Evaluation, EvaluationColumn, EvaluationRow } from '@/lib/model-cards/evaluation';
import { formatNumber } from '@/lib/model-cards/format';
import { ScrollBox } from './ScrollBox';
import styles from './evaluationTable.module.css';

const KIND_LABEL: Record<EvaluationRow['kind'], string> = {
  ours: 'ours',
  baseline: 'baseline, run here',
  published: 'published, not ours',
};

function formatValue(value: number | null | undefined, column: EvaluationColumn): string {
  if (value === null || value === undefined) return '—';
  if (column.format === 'percent') return `${(100 * value).toFixed(1)}%`;
  if (column.format === 'count') return String(Math.round(value));
  return formatNumber(value);
}

/** A model's measured numbers (its evaluation.json): rows of ours, baselines and published figures, the goal, and how they were measured. */
export function EvaluationTable({ evaluation, id }: { evaluation?: Evaluation; id: string }) {
  if (!evaluation) return <p className={styles.pending}>No evaluation has been saved for this checkpoint yet.</p>;
  // Notes are footnotes under the table: a column of them squeezes to a sliver beside many numbers.
  const noted = evaluation.rows.filter((row) => row.note);
  const mark = (key: string) => noted.findIndex((row) => row.key === key) + 1;
  return (
    <>
      <h3 className={styles.section}>How well it does</h3>
      <ScrollBox label={`How well it does: ${id}`} className={styles.tableWrap}>
        <table className={styles.table} data-testid={`evaluation-${id}`}>
          <thead>
            <tr>
              <th>method</th>
              {evaluation.columns.map((column) => (
                <th key={column.key} title={column.help}>
                  {column.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {evaluation.rows.map((row) => (
              <tr key={row.key} className={row.kind === 'ours' ? styles.ours : row.kind === 'published' ? styles.published : undefined}>
                <td>
                  {row.label}
                  {row.note && <sup className={styles.mark}>{mark(row.key)}</sup>}
                  <span className={`${styles.kind} ${row.kind === 'ours' ? styles.kindOurs : ''}`}>{KIND_LABEL[row.kind]}</span>
                </td>
                {evaluation.columns.map((column) => (
                  <td key={column.key}>{formatValue(row.values[column.key], column)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollBox>
      {noted.length > 0 && (
        <ol className={styles.notes}>
          {noted.map((row) => (
            <li key={row.key}>
              <strong>{row.label}:</strong> {row.note}
            </li>
          ))}
        </ol>
      )}
      {evaluation.goal && (
        <p className={`${styles.goal} ${evaluation.goal.met ? styles.goalMet : styles.goalNotMet}`} data-testid={`goal-${id}`}>
          <strong>{evaluation.goal.met ? 'Goal met.' : 'Goal not met yet.'}</strong> {evaluation.goal.text}
          {evaluation.goal.detail && <> ({evaluation.goal.detail})</>}
        </p>
      )}
      <p className={styles.small}>
        {evaluation.data.replace(/\.$/, '')}. {evaluation.protocol}
      </p>
      <p className={styles.small}>
        Measured {new Date(evaluation.date).toUTCString()} with <code>{evaluation.command}</code> on model version <code>{evaluation.modelVersion}</code>
        {evaluation.featureVersion && (
          <>
            , image features <code>{evaluation.featureVersion}</code>
          </>
        )}
        . Published rows are the papers&apos; own figures, on their own features; they were not measured here.
      </p>
    </>
  );
}

