import { PhotoGrid } from '@/app/components/PhotoGrid';
import { env } from '@/lib/env';
import { getUploadService } from '@/lib/uploads';
import { SamplePhotos } from './SamplePhotos';
import { UploadPanel } from './UploadPanel';

export const dynamic = 'force-dynamic';

export default async function GalleryPage() {
  const uploads = getUploadService();
  const [{ uploads: recent }, total] = await Promise.all([uploads.list({ limit: 60 }), uploads.count()]);
  return (
    <>
      <h1>Gallery</h1>
      <p className="lead">
        Upload a photo to store it and see the most similar photos already here. Similarity is the distance between image features computed in
        the model server: a colour histogram and GIST oriented-edge energies on a 4×4 grid — the same features the tagging model reads.
      </p>
      <UploadPanel maxBytes={env.UPLOAD_MAX_BYTES} />
      <SamplePhotos />
      <h2>
        All uploads <span className="muted">({total})</span>
      </h2>
      {recent.length === 0 ? (
        <p className="empty">Nothing uploaded yet.</p>
      ) : (
        <PhotoGrid testId="uploads" photos={recent.map((u) => ({ id: u.id, url: u.url, label: `${u.width}×${u.height}`, note: u.format }))} />
      )}
    </>
  );
}
