'use client';

import type { Tagger } from '@/lib/tags';
import type { UploadView } from '@/lib/uploads';
import { PhotoDropzone, UploadProgress } from '@/app/components/PhotoDropzone';
import type { Failure } from '@/app/components/postJson';
import { sendFile } from '@/app/components/sendFile';
import type { TaggerOption } from './TaggerChooser';

/** A photo on its way to the server: its name, and the fraction of its bytes sent (null once all are, while the server checks it). */
export interface Sending {
  name: string;
  fraction: number | null;
}

/** Where a person drops or picks the photo to tag, and the upload's progress while it is sent. */
export function TagDropzone({
  maxBytes,
  tagger,
  replacing,
  busy,
  sending,
  onFile,
}: {
  maxBytes: number;
  tagger: TaggerOption | null;
  /** A photo is shown already. */
  replacing: boolean;
  busy: boolean;
  /** The upload under way, if any. */
  sending: Sending | null;
  onFile: (file: File) => void;
}) {
  return (
    <>
      <PhotoDropzone label="Upload a photo to tag" busy={busy} onFile={onFile}>
        <strong>{replacing ? 'Drop another photo, or click to choose one' : 'Drop a photo here, or click to choose one'}</strong>
        <span>
          JPEG, PNG, WebP, GIF or AVIF, up to {Math.round(maxBytes / 1048576)} MB. It is stored (without location or camera data) and tagged
          {tagger ? ` with the ${tagger.words.length.toLocaleString('en-GB')} words of the ${tagger.label} tagger.` : ' with the model’s words.'}
        </span>
      </PhotoDropzone>
      {sending && <UploadProgress name={sending.name} fraction={sending.fraction} />}
    </>
  );
}

interface Started {
  job: { id: string };
  upload: UploadView;
  model?: Tagger['id'];
}

/**
 * Sends a photo to be stored and tagged (POST /api/tags), reporting how far the upload is; resolves
 * with the stored photo and the tagging job, or rejects with the failure to show.
 */
export async function sendForTagging(file: File, tagger: TaggerOption | null, onSending: (sending: Sending) => void): Promise<Started> {
  let sent: { status: number; body: unknown };
  try {
    sent = await sendFile(
      '/api/tags',
      file,
      (fraction) => onSending({ name: file.name, fraction }),
      () => onSending({ name: file.name, fraction: null }),
      tagger ? { model: tagger.id } : {},
    );
  } catch {
    throw { code: 'NETWORK', message: 'The connection to the server was lost during the upload. Please try again.' } satisfies Failure;
  }
  const answer = sent.body as (Partial<Started> & { error?: Failure }) | null;
  if (sent.status >= 400 || !answer?.job || !answer.upload) throw answer?.error ?? ({ code: `HTTP_${sent.status}`, message: 'The upload failed. Please try again.' } satisfies Failure);
  return answer as Started;
}
