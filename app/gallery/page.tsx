import Link from 'next/link';
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
import { UploadPanel } from './UploadPanel';

export const dynamic = 'force-dynamic';

export default async function GalleryPage() {
  const viewer = await pageViewer();
  const uploads = getUploadService();
  const generations = getGenerationService();
  const [{ uploads: recent }, total, captions, captionTotal, oneshots, oneshotTotal, gans, ganTotal] = await Promise.all([
    uploads.list(viewer, { limit: 60 }),
    uploads.count(viewer),
    getCaptionService().recent(viewer, 24),
    generations.count(viewer, 'caption'),
    getOneShotService().recent(viewer, 24),
    generations.count(viewer, 'oneshot'),
    getGanService().recent(viewer, 24),
    generations.count(viewer, 'gan'),
  ]);
  const generated = [...captions, ...oneshots, ...gans].sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, 24);
  const generatedTotal = captionTotal + oneshotTotal + ganTotal;
  const refeaturing = refeaturingStatus().filter((progress) => progress.running);
  return (
    <>
      <h1>Gallery</h1>
      <p className="lead">
        Upload a photo to store it and see the most similar photos already here. Similarity is the distance between image features computed in
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
      <h2>
        Photos <span className="muted">({total}: yours and shared)</span>
      </h2>
      {recent.length === 0 ? (
        <p className="empty">Nothing uploaded yet.</p>
      ) : (
        <PhotoGrid testId="uploads" photos={recent.map((u) => ({ id: u.id, url: u.url, label: `${u.width}×${u.height}`, note: u.yours ? `yours · ${u.visibility}` : 'shared' }))} />
      )}
    </>
  );
}
