'use client';

import type { TagScore } from '@/lib/tags';
import type { Decision } from './useTagEdits';
import styles from './tags.module.css';

/** How many of the model's words are its suggestions (stored); the rest are shown as other candidates. */
export const SUGGESTED = 5;

/**
 * Whether the scores are p(word | image) over the top word's (a tagger that ranks by p itself, as
 * the Flickr8k one does) rather than p discounted for common words (the Corel-5k one).
 */
function rankedByProbability(tags: TagScore[]): boolean {
  const top = tags[0]?.probability ?? 0;
  return top > 0 && tags.every((t) => Math.abs(t.score - t.probability / top) <= 0.01 * Math.max(1, t.score));
}

/** What the numbers beside the words mean, for the tagger that ranked them. */
export function RankingNote({ scores }: { scores: TagScore[] }) {
  return (
    <p className={styles.note} data-testid="score-explanation">
      {rankedByProbability(scores)
        ? 'Ranked by p(word | image), the model’s probability that a word fits this photo, top word = 100. Point at a number to see p.'
        : 'Ranked by relevance, top word = 100: p(word | image) discounted for common words, which picks better tags than p alone. Point at a number to see p.'}
    </p>
  );
}

/** One of the model's words: its score as a bar and a number (p in the tooltip), and keep / remove. */
function TagRow({ score, rank, decision, disabled, onDecide }: { score: TagScore; rank: number; decision: Decision | undefined; disabled: boolean; onDecide: (decision: Decision) => void }) {
  const relevance = Math.round(score.score * 100);
  return (
    <li
      className={`${styles.tag} ${rank < SUGGESTED ? styles.suggested : styles.candidate} ${decision ? styles[decision] : ''}`}
      data-testid="tag-row"
      data-word={score.word}
      data-decision={decision ?? 'none'}
    >
      <span className={styles.word}>{score.word}</span>
      <span className={styles.bar} aria-hidden="true">
        <span style={{ width: `${Math.max(1.5, 100 * score.score)}%` }} />
      </span>
      <span className={styles.percent} title={`p(${score.word} | image) = ${score.probability.toPrecision(3)}`} data-testid="tag-score">
        {relevance < 1 ? '<1' : relevance}
      </span>
      <span className={styles.actions}>
        <button
          type="button"
          className={`${styles.icon} ${styles.keep}`}
          aria-pressed={decision === 'accepted'}
          aria-label={`Keep “${score.word}”`}
          title="Keep this tag"
          disabled={disabled}
          onClick={() => onDecide('accepted')}
        >
          ✓
        </button>
        <button
          type="button"
          className={`${styles.icon} ${styles.drop}`}
          aria-pressed={decision === 'removed'}
          aria-label={`Remove “${score.word}”`}
          title="Remove this tag"
          disabled={disabled}
          onClick={() => onDecide('removed')}
        >
          ✕
        </button>
      </span>
    </li>
  );
}

/**
 * The model's words for the photo, best first, as they settle and once they have: each shows the
 * score the model ranks it by (relative to its top word), so the order follows the numbers shown.
 */
export function TagList({
  scores,
  decisions,
  tagging,
  onDecide,
  onSuggest,
}: {
  scores: TagScore[];
  decisions: Map<string, Decision>;
  tagging: boolean;
  onDecide: (word: string, decision: Decision) => void;
  /** Asks the model for this photo's tags when it has none yet. */
  onSuggest: () => void;
}) {
  return (
    <>
      {scores.length > 0 && <RankingNote scores={scores} />}
      {scores.length === 0 && tagging && <p className="status">Waiting for the first mean-field step…</p>}
      {scores.length === 0 && !tagging && (
        <p className="status">
          The model has not tagged this photo yet.{' '}
          <button type="button" onClick={onSuggest} data-testid="tag-stored">
            Suggest tags
          </button>
        </p>
      )}
      <ol className={styles.tags} aria-labelledby="model-tags" data-testid="tag-list" aria-busy={tagging}>
        {scores.map((score, rank) => (
          <TagRow
            key={score.word}
            score={score}
            rank={rank}
            decision={decisions.get(score.word)}
            disabled={tagging}
            onDecide={(decision) => onDecide(score.word, decision)}
          />
        ))}
      </ol>
      {scores.length > SUGGESTED && !tagging && <p className={styles.note}>Its top {SUGGESTED} are its suggestions; the others come next.</p>}
    </>
  );
}
