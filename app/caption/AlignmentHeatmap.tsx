'use client';

import { wholeWords } from '@/lib/caption/pieces';
import styles from './caption.module.css';

/**
 * Which words each drawing step attended to: one row per step, one column per word of the caption
 * (as the model read it; word pieces joined back into the typed word, their attention added up),
 * colour intensity = the alignment weight α_t,i (each row sums to 1).
 */
export function AlignmentHeatmap({
  words: pieces,
  alignment: pieceAlignment,
  activeStep,
  onStep,
}: {
  /** The tokens the model read (words, or word pieces such as "kick", "##fl", "##ip"). */
  words: string[];
  /** steps × tokens */
  alignment: number[][];
  /** 1-based step to highlight. */
  activeStep?: number;
  onStep?: (step: number) => void;
}) {
  const { words, alignment } = wholeWords(pieces, pieceAlignment);
  const max = Math.max(1e-6, ...alignment.flat());
  return (
    <div className={styles.heatmapWrap}>
      <table className={styles.heatmap} data-testid="alignment-heatmap" aria-label="Word alignment: how much each drawing step attended to each word">
        <thead>
          <tr>
            <th scope="col" className={styles.stepHead}>
              step
            </th>
            {words.map((word, w) => (
              <th key={w} scope="col" data-testid="heatmap-word">
                {word}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {alignment.map((row, t) => {
            const top = row.indexOf(Math.max(...row));
            return (
              <tr
                key={t}
                className={activeStep === t + 1 ? styles.activeRow : undefined}
                onClick={onStep && (() => onStep(t + 1))}
                data-testid="heatmap-row"
              >
                <th scope="row" className={styles.stepHead}>
                  {t + 1}
                </th>
                {row.map((weight, w) => (
                  <td
                    key={w}
                    title={`step ${t + 1}, “${words[w]}”: ${weight.toFixed(3)}`}
                    style={{ background: `rgba(122, 162, 255, ${(0.92 * weight) / max})`, color: weight / max > 0.55 ? '#0b1020' : undefined }}
                    data-weight={weight}
                    aria-label={w === top ? `${words[w]} ${Math.round(weight * 100)}%, most attended` : undefined}
                  >
                    {weight >= 0.05 ? Math.round(weight * 100) : ''}
                  </td>
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
      <p className={styles.note}>Numbers are the attention each step paid to each word, in percent (each row sums to 100). Click a row to see that step.</p>
    </div>
  );
}
