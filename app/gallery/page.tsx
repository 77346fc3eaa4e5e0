import Link from 'next/link';
import { z } from 'zod';
import { PhotoGrid } from '@/app/components/PhotoGrid';
import { getCaptionService } from '@/lib/caption';
import { env } from '@/lib/env';
import { getGanService } from '@/lib/gan';
import { getGenerationService } from '@/lib/generations';
import { getOneShotService } from '@/lib/oneshot';
import { pageViewer } from '@/lib/owners/page';
import { getUploadService } from '@/lib/uploads';
import { refeaturingStatus } from '@/lib/uploads/refeature';
import { GeneratedGrid } from './GeneratedGrid';
import { SamplePhotos } from './SamplePhotos';
import styles from './gallery.module.css';
import { UploadPanel } from './UploadPanel';

export const dynamic = 'force-dynamic';

const PAGE = 60;
const SHOWS = { all: 'Everything', photos: 'Photos you uploaded', samples: 'Sample photos', drawings: 'Drawings and samples made here' } as const;
const query = z.object({
  show: z.enum(Object.keys(SHOWS) as [keyof typeof SHOWS, ...(keyof typeof SHOWS)[]]).catch('all').default('all'),
  tag: z.string().trim().toLowerCase().max(40).optional().catch(undefined),
  cursor: z.string().min(1).max(64).optional().catch(undefined),
});

export default async function GalleryPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { show, tag, cursor } = query.parse(await searchParams);
  const viewer = await pageViewer();
  const uploads = getUploadService();
  const generations = getGenerationService();
  const filter = { source: show === 'photos' ? ('upload' as const) : show === 'samples' ? ('sample' as const) : undefined, tag: tag || undefined };
  const showPhotos = show !== 'drawings';
  const showDrawings = (show === 'all' || show === 'drawings') && !filter.tag;
  const [{ uploads: recent, nextCursor }, total, captions, captionTotal, oneshots, oneshotTotal, gans, ganTotal] = await Promise.all([
    showPhotos ? uploads.list(viewer, { limit: PAGE, cursor, ...filter }) : { uploads: [], nextCursor: null },
    showPhotos ? uploads.count(viewer, filter) : 0,
    showDrawings ? getCaptionService().recent(viewer, 24) : [],
    generations.count(viewer, 'caption'),
    showDrawings ? getOneShotService().recent(viewer, 24) : [],
    generations.count(viewer, 'oneshot'),
    showDrawings ? getGanService().recent(viewer, 24) : [],
    generations.count(viewer, 'gan'),
  ]);
  const generated = [...captions, ...oneshots, ...gans].sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, 24);
  const generatedTotal = captionTotal + oneshotTotal + ganTotal;
  const refeaturing = refeaturingStatus().filter((progress) => progress.running);
  const more = (next: string) => `/gallery?${new URLSearchParams({ show, ...(tag ? { tag } : {}), cursor: next })}`;
  return (
    <>
      <h1>Gallery</h1>
      <p className="lead">
        Upload photos to store them and see the most similar photos already here. Similarity is the distance between image features computed in
        the model server: features learned from training photos (k-means on whitened 6×6 colour patches, pooled over a 2×2 grid) joined with a
        colour histogram and GIST oriented-edge energies on a 4×4 grid.
        Images drawn from captions, one-shot variants of drawn characters and GAN samples are kept here too, each with what made it, its seed
        and model version. What you upload or make is yours and private: others see it only if you share it (open it and choose
        “Share with everyone”); the gallery shows your own items and those others shared.
      </p>
      {refeaturing.map((progress) => (
        <p key={progress.model} className="muted" data-testid="refeaturing">
          Describing photos stored earlier with the current {progress.model} so they stay in similar photos: {progress.done} of {progress.total} done.
        </p>
      ))}
      <UploadPanel maxBytes={env.UPLOAD_MAX_BYTES} />
      <SamplePhotos />
      <form className={styles.filters} action="/gallery" method="get" role="search" aria-label="Filter the gallery" data-testid="gallery-filter">
        <label>
          Show{' '}
          <select name="show" defaultValue={show}>
            {Object.entries(SHOWS).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Tagged{' '}
          <input name="tag" defaultValue={tag ?? ''} placeholder="e.g. beach" maxLength={40} data-testid="gallery-tag" />
        </label>
        <button type="submit">Filter</button>
        {(show !== 'all' || tag || cursor) && <Link href="/gallery">Show everything</Link>}
      </form>
      {showDrawings && (
        <>
          <h2 id="generated">
            Generated <span className="muted">({generatedTotal})</span>
          </h2>
          {generated.length === 0 ? (
            <p className="empty">
              Nothing drawn yet. <Link href="/caption">Draw a caption</Link>, <Link href="/oneshot">a character</Link> or <Link href="/gan">sample the GAN</Link>.
            </p>
          ) : (
            <GeneratedGrid generations={generated} />
          )}
        </>
      )}
      {showPhotos && (
        <>
          <h2>
            {tag ? `Photos tagged “${tag}”` : show === 'all' ? 'Photos' : SHOWS[show]}{' '}
            <span className="muted">({total}: yours and shared)</span>
          </h2>
          {recent.length === 0 ? (
            <p className="empty">{tag ? `No photo you may see has the tag “${tag}” kept.` : 'Nothing uploaded yet.'}</p>
          ) : (
            <PhotoGrid testId="uploads" photos={recent.map((u) => ({ id: u.id, url: u.url, label: `${u.width}×${u.height}`, note: u.yours ? `yours · ${u.visibility}` : 'shared' }))} />
          )}
          <p className={styles.pages}>
            {cursor && <Link href={`/gallery?${new URLSearchParams({ show, ...(tag ? { tag } : {}) })}`}>← Newest</Link>}
            {nextCursor && (
              <Link href={more(nextCursor)} data-testid="gallery-more">
                Older photos →
              </Link>
            )}
          </p>
        </>
      )}
    </>
  );
}
