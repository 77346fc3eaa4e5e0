'use client';

/**
 * The photo drop zone the upload pages share: drag and drop or click (Enter/Space) to pick one
 * image (or several, with `onFiles`), plus the progress bar of an upload under way.
 */
import { useRef, useState, type ReactNode } from 'react';

export const ACCEPTED_IMAGES = 'image/jpeg,image/png,image/webp,image/gif,image/avif';

export function PhotoDropzone({
  label,
  busy,
  onFile,
  onFiles,
  children,
}: {
  label: string;
  busy: boolean;
  onFile: (file: File) => void;
  /** Takes every file chosen or dropped at once (the picker then allows several). */
  onFiles?: (files: File[]) => void;
  children: ReactNode;
}) {
  const take = (files: FileList | null | undefined) => {
    const chosen = [...(files ?? [])];
    if (chosen.length === 0) return;
    if (onFiles) onFiles(chosen);
    else onFile(chosen[0]);
  };
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  return (
    <div
      className={`dropzone${over ? ' over' : ''}`}
      role="button"
      tabIndex={0}
      aria-label={label}
      aria-disabled={busy}
      data-testid="dropzone"
      onClick={() => !busy && input.current?.click()}
      onKeyDown={(event) => (event.key === 'Enter' || event.key === ' ') && !busy && input.current?.click()}
      onDragOver={(event) => {
        event.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(event) => {
        event.preventDefault();
        setOver(false);
        if (!busy) take(event.dataTransfer.files);
      }}
    >
      {children}
      <input
        ref={input}
        type="file"
        accept={ACCEPTED_IMAGES}
        multiple={Boolean(onFiles)}
        hidden
        data-testid="file-input"
        onChange={(event) => {
          const files = event.target.files;
          take(files);
          event.target.value = '';
        }}
      />
    </div>
  );
}

/** Upload progress: bytes sent, then the server checking the photo and computing its features. */
export function UploadProgress({ name, fraction }: { name: string; fraction: number | null }) {
  const percent = fraction === null ? 100 : Math.round(fraction * 100);
  return (
    <div aria-live="polite">
      <div className="progress" role="progressbar" aria-label="Upload" aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent}>
        <div style={{ width: `${fraction === null ? 100 : Math.max(3, fraction * 100)}%` }} />
      </div>
      <div className="status" data-testid="upload-status">
        {fraction !== null ? `Uploading ${name}… ${percent}%` : `Checking ${name} and computing its image features…`}
      </div>
    </div>
  );
}
