import Link from 'next/link';
import type { OneShotGeneration } from '@/lib/oneshot';
import styles from './oneshot.module.css';
import { GenerationFacts } from '@/app/gallery/GenerationFacts';

/** A saved one-shot generation in the gallery: the drawing (image 0), then its variants. */
export function SavedVariants({ generation }: { generation: OneShotGeneration }) {
  const [drawing, ...variants] = generation.images;
  return (
    <>
      <p>
        <Link href="/gallery#generated">← Gallery</Link>
      </p>
      <h1 data-testid="generation-caption">One-shot variants</h1>
      <GenerationFacts generation={generation}>
        <dt>variants</dt>
        <dd>
          {generation.params.count}, from a drawing {generation.params.source === 'png' ? 'parsed from a PNG' : 'made on the canvas'}
          {generation.result ? ` (${generation.result.drawing.length} strokes, ${generation.result.inkLength} px of ink)` : ''}
        </dd>
      </GenerationFacts>
      {generation.status === 'done' && drawing ? (
        <>
          <h2>The drawing</h2>
          <div className={`${styles.variant} ${styles.drawingShown}`}>
            {/* eslint-disable-next-line @next/next/no-img-element */}
            <img src={drawing.url} alt="The drawing the variants were made from" data-testid="saved-drawing" />
          </div>
          <h2>Its variants</h2>
          <ol className={styles.variants}>
            {variants.map((image, i) => (
              <li key={i} className={styles.variant} data-testid="result-image" data-sha256={image.sha256}>
                {/* eslint-disable-next-line @next/next/no-img-element */}
                <img src={image.url} alt={`Variant ${i + 1}`} />
              </li>
            ))}
          </ol>
        </>
      ) : (
        <p className="empty">These variants were not finished ({generation.status}); nothing was stored.</p>
      )}
    </>
  );
}
