import Link from 'next/link';
import styles from '@/app/caption/caption.module.css';
import type { CaptionGeneration } from '@/lib/caption';
import type { GanGeneration } from '@/lib/gan';
import type { OneShotGeneration } from '@/lib/oneshot';

type Generated = CaptionGeneration | OneShotGeneration | GanGeneration;

const GAN_TASKS: Record<string, string> = { samples: 'samples', interpolate: 'a walk between two latents', vary: 'variations of one latent' };

const describe = (g: Generated) => {
  if (g.kind === 'oneshot') return 'One-shot: a drawing and its variants';
  if (g.kind === 'gan') return `GAN: ${GAN_TASKS[(g as GanGeneration).params.task] ?? 'images'}`;
  return `“${(g as CaptionGeneration).params.caption}”`;
};

/** Recent drawings: from captions, one-shot variants or the GAN, up to four of each one's images, what made them, model version and seed. */
export function GeneratedGrid({ generations }: { generations: Generated[] }) {
  return (
    <ol className={styles.generated} data-testid="generations">
      {generations.map((g) => (
        <li key={g.id} className={styles.generation} data-testid="generation-tile">
          <Link href={`/gallery/generations/${g.id}`} className={styles.generationLink}>
            <div className={styles.thumbs}>
              {g.images.slice(0, 4).map((image, i) => (
                // eslint-disable-next-line @next/next/no-img-element
                <img key={i} src={image.url} alt="" />
              ))}
            </div>
            <div className={styles.generationMeta}>
              <div className={styles.generationCaption} data-testid="generation-caption">
                {describe(g)}
              </div>
              <div>
                {g.images.length} {g.images.length === 1 ? 'image' : 'images'}
                {g.seed === null ? '' : ` · seed ${g.seed}`}
              </div>
              <div className={styles.generationVersion} title={`${g.modelName}, version ${g.modelVersion}`}>
                {g.modelVersion || g.modelName}
              </div>
            </div>
          </Link>
        </li>
      ))}
    </ol>
  );
}
