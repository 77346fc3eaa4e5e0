'use client';

/**
 * The photo drop zone the upload pages share: drag and drop or click (Enter/Space) to pick one
 * image, plus the progress bar of an upload under way.
 */
import { useRef, useState, type ReactNode } from 'react';

export const ACCEPTED_IMAGES = 'image/jpeg,image/png,image/webp,image/gif,image/avif';

export function PhotoDropzone({ label, busy, onFile, children }: { label: string; busy: boolean; onFile: (file: File) => void; children: ReactNode }) {
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
        const file = event.dataTransfer.files[0];
        if (file && !busy) onFile(file);
      }}
    >
      {children}
      <input
        ref={input}
        type="file"
        accept={ACCEPTED_IMAGES}
        hidden
        data-testid="file-input"
        onChange={(event) => {
          const file = event.target.files?.[0];
          event.target.value = '';
          if (file) onFile(file);
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
