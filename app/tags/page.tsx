import type { Metadata } from 'next';
import { z } from 'zod';
import { env } from '@/lib/env';
import { isAppError, toAppError } from '@/lib/errors';
import { getTagService, type PhotoTags } from '@/lib/tags';
import { PhotoTagger } from './PhotoTagger';
import { TagSearch } from './TagSearch';
import styles from './tags.module.css';
import { ErrorNotice } from '@/app/components/ErrorNotice';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Photo → tags · Latent Studio' };

const query = z.object({ upload: z.string().min(1).max(64).optional() });

export default async function TagsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const tags = getTagService();
  const { upload } = query.safeParse(await searchParams).data ?? {};
  const [vocabulary, initial] = await Promise.all([
    // The words, or why the model cannot be used yet (no vocabulary, or not served).
    Promise.all([tags.vocabulary(), tags.dbm.ensureServed()]).then(
      ([v]) => ({ words: [...v.words] }),
      (error) => ({ error: toAppError(error).toJSON() }),
    ),
    upload
      ? tags.tagsOf(upload).catch((error): PhotoTags | null => {
          if (isAppError(error) && error.code === 'NOT_FOUND') return null;
          throw error;
        })
      : null,
  ]);
  const words = 'words' in vocabulary ? vocabulary.words : [];
  return (
    <>
      <h1>Photo → tags</h1>
      <p className="lead">
        A multimodal Deep Boltzmann Machine (Srivastava &amp; Salakhutdinov, 2012) learned one joint representation of photos and their tags from
        Corel-5k. Give it a photo and it fills in the words, p(word | image), settling over a few mean-field steps; give it words and it finds
        the photos for which it generates those words most strongly.
      </p>
      {'error' in vocabulary && (
        <ErrorNotice error={vocabulary.error} testId="model-unavailable" />
      )}
      <section aria-labelledby="photo-to-tags" className={styles.section}>
        <h2 id="photo-to-tags">Tag a photo</h2>
        <PhotoTagger maxBytes={env.UPLOAD_MAX_BYTES} initial={initial} vocabularySize={words.length} />
      </section>
      <section aria-labelledby="tags-to-photos" className={styles.section}>
        <h2 id="tags-to-photos">Find photos by tags</h2>
        <TagSearch vocabulary={words} />
      </section>
    </>
  );
}
