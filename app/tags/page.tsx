import type { Metadata } from 'next';
import { z } from 'zod';
import { env } from '@/lib/env';
import { isAppError, toAppError } from '@/lib/errors';
import { getTagService, TAGGERS, type PhotoTags, type Tagger, type TagService } from '@/lib/tags';
import { BatchTagger } from './BatchTagger';
import { PhotoTagger } from './PhotoTagger';
import { TagSearch } from './TagSearch';
import { TaggerChooser, type TaggerOption } from './TaggerChooser';
import styles from './tags.module.css';
import { ErrorNotice } from '@/app/components/ErrorNotice';
import { pageViewer } from '@/lib/owners/page';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Photo → tags · Latent Studio' };

const query = z.object({ upload: z.string().min(1).max(64).optional() });

/** A tagger with its words, or why it cannot be used yet (no vocabulary, or not served). */
function offer(tags: TagService, tagger: Tagger): Promise<{ option: TaggerOption } | { label: string; error: { code: string; message: string } }> {
  return Promise.all([tags.vocabulary({ model: tagger.id }), tags.dbmOf(tagger).ensureServed()]).then(
    ([v]) => ({ option: { id: tagger.id, label: tagger.label, photos: tagger.photos, words: [...v.words], searchesCorel: tagger.searchesDataset === 'corel5k' } }),
    (error) => ({ label: tagger.label, error: toAppError(error).toJSON() }),
  );
}

export default async function TagsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const tags = getTagService();
  const { upload } = query.safeParse(await searchParams).data ?? {};
  const installed = tags.taggers();
  const [offers, initial] = await Promise.all([
    // With no tagger installed, the Corel-5k one says why it cannot be used.
    Promise.all((installed.length ? installed : TAGGERS.filter((t) => t.id === 'multimodal-dbm-corel')).map((t) => offer(tags, t))),
    upload
      ? tags.tagsOf(await pageViewer(), upload).catch((error): PhotoTags | null => {
          if (isAppError(error) && error.code === 'NOT_FOUND') return null;
          throw error;
        })
      : null,
  ]);
  const options = offers.flatMap((o) => ('option' in o ? [o.option] : []));
  const failures = offers.flatMap((o) => ('error' in o ? [o] : []));
  const labels = Object.fromEntries(TAGGERS.map((t) => [t.id, t.label])) as Record<Tagger['id'], string>;
  const flickrFirst = installed[0]?.id === 'multimodal-dbm-flickr';
  return (
    <>
      <h1>Photo → tags</h1>
      <p className="lead">
        A multimodal Deep Boltzmann Machine (Srivastava &amp; Salakhutdinov, 2012) learns one joint representation of photos and their words.{' '}
        {flickrFirst
          ? `The default tagger learned it from Flickr8k's everyday photos and the words of their captions${
              installed.length > 1 ? "; another learned it from Corel-5k's stock photos and their keywords" : ''
            }.`
          : "This one learned it from Corel-5k's stock photos and their keywords."}{' '}
        Give it a photo and it fills in the words, p(word | image), settling over a few mean-field steps; give it words and it finds the photos for
        which it generates those words most strongly.
      </p>
      {failures.map(({ label, error }) => (
        <ErrorNotice key={label} error={{ ...error, message: `${label}: ${error.message}` }} testId="model-unavailable" />
      ))}
      <TaggerChooser taggers={options} labels={labels}>
        <section aria-labelledby="photo-to-tags" className={styles.section}>
          <h2 id="photo-to-tags">Tag a photo</h2>
          <PhotoTagger maxBytes={env.UPLOAD_MAX_BYTES} initial={initial} />
        </section>
        <section aria-labelledby="tag-many" className={styles.section}>
          <h2 id="tag-many">Tag many photos</h2>
          <BatchTagger />
        </section>
        <section aria-labelledby="tags-to-photos" className={styles.section}>
          <h2 id="tags-to-photos">Find photos by tags</h2>
          <TagSearch />
        </section>
      </TaggerChooser>
    </>
  );
}
