import type { GanResult, LatentRef } from '@/lib/gan';
import styles from './gan.module.css';

/** How a latent reads on a tile: its seed, then each nudge's seed ("24~3~11" is a variation of a variation of 24). */
export const latentLabel = (latent: LatentRef) => [latent.seed, ...(latent.nudges ?? []).map((n) => n.seed)].join('~');
export const sameLatent = (a: LatentRef, b: LatentRef) => JSON.stringify({ s: a.seed, n: a.nudges ?? [] }) === JSON.stringify({ s: b.seed, n: b.nudges ?? [] });

/**
 * A row of the GAN's images: samples and variations can be clicked to pick their latent (the first
 * and second picks are marked); a walk's steps are fixed and labelled by how far along they are.
 */
export function GanTiles({ result, testId, walk = false, picked, onPick }: { result: GanResult; testId: string; walk?: boolean; picked: LatentRef[]; onPick: (latent: LatentRef) => void }) {
  const tileClass = (latent: LatentRef | null) => {
    if (!latent) return `${styles.tile} ${styles.fixed}`;
    const index = picked.findIndex((p) => sameLatent(p, latent));
    return `${styles.tile} ${index === 0 ? styles.pickA : index === 1 ? styles.pickB : ''}`;
  };
  return (
    <ol className={`${styles.samples} ${walk ? styles.walk : ''}`} data-testid={testId}>
      {result.images.map((item, i) => (
        <li key={i}>
          <button
            type="button"
            className={tileClass(item.latent)}
            onClick={() => item.latent && onPick(item.latent)}
            disabled={!item.latent}
            aria-pressed={item.latent ? picked.some((p) => sameLatent(p, item.latent!)) : undefined}
            title={item.latent ? `latent ${latentLabel(item.latent)}: click to pick it` : `step ${i} of ${result.images.length - 1} of the walk`}
            data-testid="gan-tile"
          >
            {/* eslint-disable-next-line @next/next/no-img-element */}
            <img src={item.image} alt={item.latent ? `sample from latent ${latentLabel(item.latent)}` : `walk step ${i}`} />
            <span className={styles.label}>{item.latent ? latentLabel(item.latent) : `${Math.round((100 * i) / (result.images.length - 1))}%`}</span>
          </button>
        </li>
      ))}
    </ol>
  );
}
