import Link from 'next/link';
import { notFound } from 'next/navigation';
import { OwnerControls } from '@/app/components/OwnerControls';
import { PhotoGrid } from '@/app/components/PhotoGrid';
import { isAppError } from '@/lib/errors';
import { getUploadService } from '@/lib/uploads';
import { pageViewer } from '@/lib/owners/page';

export const dynamic = 'force-dynamic';

export default async function UploadPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const viewer = await pageViewer();
  const uploads = getUploadService();
  const upload = await uploads.get(viewer, id).catch((error) => {
    if (isAppError(error) && error.code === 'NOT_FOUND') notFound();
    throw error;
  });
  const similar = await uploads.similar(viewer, id, 12);
  return (
    <>
      <p>
        <Link href="/gallery">← Gallery</Link>
      </p>
      <div className="result">
        <div>
          {/* eslint-disable-next-line @next/next/no-img-element */}
          <img className="main" src={upload.url} alt={upload.originalName ?? 'uploaded photo'} />
          <div className="status">
            {upload.originalName ?? 'photo'} · {upload.width} × {upload.height} · {upload.format} · uploaded {new Date(upload.createdAt).toLocaleString('en-GB')}
          </div>
          <div className="status" title={upload.sha256}>
            SHA-256 {upload.sha256.slice(0, 16)}…
          </div>
          <OwnerControls api={`/api/uploads/${upload.id}`} what="photo" visibility={upload.visibility} yours={upload.yours} afterDelete="/gallery" />
        </div>
        <div>
          <h2 style={{ marginTop: 0 }}>Most similar photos</h2>
          {similar.length === 0 ? (
            <p className="empty">No other photos yet.</p>
          ) : (
            <PhotoGrid testId="similar-photos" photos={similar.map((s) => ({ id: s.id, url: s.url, label: 'distance', note: s.distance.toFixed(3) }))} />
          )}
        </div>
      </div>
    </>
  );
}
