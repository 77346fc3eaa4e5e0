import Link from 'next/link';

export interface PhotoTile {
  id: string;
  url: string;
  label?: string;
  note?: string;
}

/** A grid of stored photos as thumbnails, each linking to its page. */
export function PhotoGrid({ photos, testId }: { photos: PhotoTile[]; testId?: string }) {
  return (
    <div className="grid" data-testid={testId}>
      {photos.map((photo) => (
        <Link key={photo.id} href={`/gallery/${photo.id}`} className="tile" data-testid="photo-tile">
          {/* eslint-disable-next-line @next/next/no-img-element */}
          <img src={`${photo.url}?w=320`} alt={photo.label ?? 'stored photo'} loading="lazy" />
          {(photo.label || photo.note) && (
            <div className="meta">
              <span>{photo.label}</span>
              <span>{photo.note}</span>
            </div>
          )}
        </Link>
      ))}
    </div>
  );
}
