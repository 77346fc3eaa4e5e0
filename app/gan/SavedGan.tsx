import Link from 'next/link';
import { GenerationFacts } from '@/app/gallery/GenerationFacts';
import type { GanGeneration } from '@/lib/gan';
import styles from './gan.module.css';

const TASK: Record<string, string> = { samples: 'GAN samples', interpolate: 'A walk between two latents', vary: 'Variations of one latent' };

const latentText = (value: unknown) => {
  if (typeof value === 'number') return String(value);
  const ref = value as { seed: number; nudges?: { seed: number; amount: number }[] };
  return [String(ref.seed), ...(ref.nudges ?? []).map((n) => `nudged by ${n.seed} × ${n.amount}`)].join(', ');
};

/** A saved GAN result in the gallery: what was asked, by which model version, and the images. */
export function SavedGan({ generation }: { generation: GanGeneration }) {
  const { task, model, request } = generation.params;
  const again =
    task === 'samples' ? `/gan?${new URLSearchParams({ model, seed: String(request.seed), count: String(request.count) })}` : `/gan?${new URLSearchParams({ model })}`;
  return (
    <>
      <p>
        <Link href="/gallery#generated">← Gallery</Link>
      </p>
      <h1 data-testid="generation-caption">{TASK[task] ?? 'GAN images'}</h1>
      <GenerationFacts generation={generation} seed={task !== 'interpolate'}>
        {task === 'interpolate' && (
          <>
            <dt>from, to</dt>
            <dd>
              latent {latentText(request.from)} → latent {latentText(request.to)}, {String(request.steps)} steps
            </dd>
          </>
        )}
        {task === 'vary' && (
          <>
            <dt>varied</dt>
            <dd>
              latent {latentText(request.latent)} by {String(request.amount)}
            </dd>
          </>
        )}
      </GenerationFacts>
      {task === 'samples' && (
        <p>
          <Link href={again} className="button">
            Sample again
          </Link>{' '}
          <span className="muted">with the same model, seed and count (then press Sample): the same images.</span>
        </p>
      )}
      {generation.status === 'done' ? (
        <ol className={styles.samples}>
          {generation.images.map((image, i) => (
            <li key={i} className={`${styles.tile} ${styles.fixed}`} data-testid="result-image">
              {/* eslint-disable-next-line @next/next/no-img-element */}
              <img src={image.url} alt={`Image ${i + 1}`} />
            </li>
          ))}
        </ol>
      ) : (
        <p className="empty">This request did not finish ({generation.status}); nothing was stored.</p>
      )}
    </>
  );
}
