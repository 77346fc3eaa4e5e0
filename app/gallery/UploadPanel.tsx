'use client';

import { useRouter } from 'next/navigation';
import { useCallback, useState } from 'react';
import { PhotoDropzone, UploadProgress } from '@/app/components/PhotoDropzone';
import { PhotoGrid } from '@/app/components/PhotoGrid';
import { sendFile } from '@/app/components/sendFile';
import { ErrorNotice } from '@/app/components/ErrorNotice';

interface Similar {
  id: string;
  distance: number;
  url: string;
}

interface UploadAnswer {
  id: string;
  url: string;
  width: number;
  height: number;
  created: boolean;
  similar: Similar[];
}

type State =
  | { phase: 'idle' }
  | { phase: 'uploading'; fraction: number; name: string }
  | { phase: 'processing'; name: string }
  | { phase: 'done'; answer: UploadAnswer; name: string }
  | { phase: 'failed'; code: string; message: string };

/** Several photos chosen at once: where the run stands, and what was refused (by name). */
interface Several {
  at: number;
  of: number;
  stored: number;
  refused: { name: string; message: string }[];
}

/** The stored photo, and the stored photos nearest to it in image features. */
function UploadResult({ answer, name }: { answer: UploadAnswer; name: string }) {
  return (
    <div className="result" data-testid="upload-result">
      <div>
        {/* eslint-disable-next-line @next/next/no-img-element */}
        <img className="main" src={answer.url} alt={name} data-testid="uploaded-photo" />
        <div className="status">
          {answer.width} × {answer.height} · {answer.created ? 'stored' : 'already stored earlier'} ·{' '}
          <a href={`/gallery/${answer.id}`}>open</a>
        </div>
      </div>
      <div>
        <h2 style={{ marginTop: 0 }}>Most similar photos</h2>
        {answer.similar.length === 0 ? (
          <p className="empty">This is the first photo here; upload more to see similar ones.</p>
        ) : (
          <PhotoGrid
            testId="similar-photos"
            photos={answer.similar.map((s) => ({ id: s.id, url: s.url, label: 'distance', note: s.distance.toFixed(3) }))}
          />
        )}
      </div>
    </div>
  );
}

export function UploadPanel({ maxBytes }: { maxBytes: number }) {
  const router = useRouter();
  const [state, setState] = useState<State>({ phase: 'idle' });
  const [several, setSeveral] = useState<Several | null>(null);

  /** Uploads one photo; resolves with how it ended (stored, or refused and why), which is also shown. */
  const upload = useCallback(
    async (file: File): Promise<State> => {
      if (file.size > maxBytes) {
        const refused: State = { phase: 'failed', code: 'FILE_TOO_LARGE', message: `This file is larger than the ${Math.round(maxBytes / 1048576)} MB limit. Please upload a smaller photo.` };
        setState(refused);
        return refused;
      }
      setState({ phase: 'uploading', fraction: 0, name: file.name });
      try {
        const { status, body } = await sendFile(
          '/api/uploads',
          file,
          (fraction) => setState({ phase: 'uploading', fraction, name: file.name }),
          () => setState({ phase: 'processing', name: file.name }),
        );
        if (status >= 400 || !body) {
          const error = (body as { error?: { code: string; message: string } } | null)?.error;
          const refused: State = { phase: 'failed', code: error?.code ?? `HTTP_${status}`, message: error?.message ?? 'The upload failed. Please try again.' };
          setState(refused);
          return refused;
        }
        const done: State = { phase: 'done', answer: body as UploadAnswer, name: file.name };
        setState(done);
        router.refresh();
        return done;
      } catch {
        const lost: State = { phase: 'failed', code: 'NETWORK', message: 'The connection to the server was lost during the upload. Please try again.' };
        setState(lost);
        return lost;
      }
    },
    [maxBytes, router],
  );

  /** Photos chosen together go one after the other; each refusal is kept by name while the rest go on. */
  const uploadAll = useCallback(
    async (files: File[]) => {
      if (files.length === 1) {
        setSeveral(null);
        return void (await upload(files[0]));
      }
      const run: Several = { at: 0, of: files.length, stored: 0, refused: [] };
      for (const file of files) {
        run.at++;
        setSeveral({ ...run });
        const outcome = await upload(file);
        if (outcome.phase === 'done') run.stored++;
        else if (outcome.phase === 'failed') run.refused.push({ name: file.name, message: outcome.message });
      }
      setSeveral({ ...run });
    },
    [upload],
  );

  const busy = state.phase === 'uploading' || state.phase === 'processing';
  return (
    <section>
      <PhotoDropzone label="Upload photos" busy={busy} onFile={(file) => void uploadAll([file])} onFiles={(files) => void uploadAll(files)}>
        <strong>Drop photos here, or click to choose some</strong>
        <span>JPEG, PNG, WebP, GIF or AVIF, up to {Math.round(maxBytes / 1048576)} MB. Location and camera data are removed.</span>
      </PhotoDropzone>

      {(state.phase === 'uploading' || state.phase === 'processing') && (
        <UploadProgress name={state.name} fraction={state.phase === 'uploading' ? state.fraction : null} />
      )}

      {several && (
        <p className="status" data-testid="upload-several" aria-live="polite">
          {several.at < several.of || busy ? `Photo ${several.at} of ${several.of}…` : `${several.stored} of ${several.of} photos stored.`}
          {several.refused.map((r) => (
            <span key={r.name} className="muted">
              {' '}
              {r.name}: {r.message}
            </span>
          ))}
        </p>
      )}

      {state.phase === 'failed' && (
        <ErrorNotice error={state} testId="upload-error" />
      )}

      {state.phase === 'done' && <UploadResult answer={state.answer} name={state.name} />}
    </section>
  );
}
