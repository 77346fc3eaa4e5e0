import type { ReactNode } from 'react';
import { OwnerControls } from '@/app/components/OwnerControls';
import type { GenerationView } from '@/lib/generations';
import styles from './generationFacts.module.css';

/**
 * What every saved generation's page says about it: model, model version and seed, then what is
 * particular to its kind (`children`), then when it was made and how it ended; and, to its owner,
 * share and delete.
 */
export function GenerationFacts({ generation, seed = true, children }: { generation: GenerationView<unknown, unknown>; seed?: boolean; children?: ReactNode }) {
  return (
    <>
      <dl className={styles.facts}>
        <dt>model</dt>
        <dd>{generation.modelName}</dd>
        <dt>model version</dt>
        <dd data-testid="generation-version">{generation.modelVersion || '—'}</dd>
        {seed && (
          <>
            <dt>seed</dt>
            <dd data-testid="generation-seed">{generation.seed}</dd>
          </>
        )}
        {children}
        <dt>made</dt>
        <dd>{new Date(generation.createdAt).toLocaleString('en-GB')}</dd>
        <dt>status</dt>
        <dd>{generation.status}</dd>
        {generation.images.length > 0 && (
          <>
            <dt>download</dt>
            <dd className={styles.downloads} data-testid="downloads">
              <a href={`/api/generations/${generation.id}/zip`} download data-testid="download-zip">
                all ({generation.images.length} PNG{generation.images.length === 1 ? '' : 's'}, ZIP)
              </a>
              {generation.images.map((image, i) => (
                <a key={image.sha256 + i} href={image.url} download={`${generation.kind}-${generation.seed ?? generation.id}-${i + 1}.png`}>
                  PNG {i + 1}
                </a>
              ))}
            </dd>
          </>
        )}
      </dl>
      <OwnerControls api={`/api/generations/${generation.id}`} what="drawing" visibility={generation.visibility} yours={generation.yours} afterDelete="/gallery#generated" />
    </>
  );
}
