'use client';

import { useState } from 'react';
import type { PhotoTags, SuggestResult, Tagger, TagScore } from '@/lib/tags';
import type { UploadView } from '@/lib/uploads';
import { ErrorNotice } from '@/app/components/ErrorNotice';
import { postJson } from '@/app/components/postJson';
import { useJob } from '@/app/components/useJob';
import { OwnTags } from './OwnTags';
import { SaveTags } from './SaveTags';
import { sendForTagging, TagDropzone, type Sending } from './TagDropzone';
import { TaggingStatus } from './TaggingStatus';
import { TagList } from './TagList';
import { useChosenTagger } from './TaggerChooser';
import { useTagEdits } from './useTagEdits';
import styles from './tags.module.css';

/**
 * Each mean-field step stays on screen at least this long. The model often runs all its steps in
 * less time than one frame; shown at this pace, a person can watch the real intermediate tags settle.
 */
const STEP_MS = 160;

/** The photo being tagged, with its size and a link to its gallery page. */
function TaggedPhoto({ upload }: { upload: UploadView }) {
  return (
    <figure className={styles.photo}>
      {/* eslint-disable-next-line @next/next/no-img-element */}
      <img src={upload.url} alt={upload.originalName ? `Your photo ${upload.originalName}` : 'Your photo'} data-testid="tagged-photo" />
      <figcaption className="status">
        {upload.originalName ?? 'photo'} · {upload.width} × {upload.height} · <a href={`/gallery/${upload.id}`}>open in the gallery</a>
      </figcaption>
    </figure>
  );
}

/**
 * Photo → tags: a photo is uploaded (or opened by its address), the chosen tagger's words settle
 * step by step, and a person keeps, removes and adds tags, then saves them.
 */
export function PhotoTagger({ maxBytes, initial }: { maxBytes: number; initial: PhotoTags | null }) {
  const { tagger, labelOf } = useChosenTagger();
  const [sending, setSending] = useState<Sending | null>(null);
  const [upload, setUpload] = useState<UploadView | null>(initial?.upload ?? null);
  const [scores, setScores] = useState<TagScore[]>(initial?.suggestions?.tags ?? []);
  const [steps, setSteps] = useState<number | null>(initial?.suggestions?.steps ?? null);
  /** The tagger whose words are shown (a stored photo may have been tagged by another than the chosen one). */
  const [madeBy, setMadeBy] = useState<Tagger['id'] | null>(initial?.suggestions?.model ?? null);
  const edits = useTagEdits(initial?.tags ?? []);
  const job = useJob<{ tags?: TagScore[] }, SuggestResult>({
    paceMs: STEP_MS,
    failed: { code: 'CANCELLED', message: 'Tagging was stopped.' },
    cancelled: 'failed',
    lost: 'Lost the connection while the model was tagging. Reload the page to see what was stored.',
    onProgress: (progress) => {
      if (progress.preview?.tags) setScores(progress.preview.tags);
    },
    onDone: (result) => {
      setScores(result.tags);
      setSteps(result.steps);
      setMadeBy(result.model);
      edits.reset(result.saved);
    },
  });

  /** The model starts again on the photo: its words so far are dropped. */
  const newWords = (model: Tagger['id'] | null) => {
    setScores([]);
    setSteps(null);
    setMadeBy(model);
  };

  function tagFile(file: File) {
    job.setFailure(null);
    edits.clearSaved();
    if (file.size > maxBytes) {
      job.setFailure({ code: 'FILE_TOO_LARGE', message: `This file is larger than the ${Math.round(maxBytes / 1048576)} MB limit. Please upload a smaller photo.` });
      return;
    }
    setSending({ name: file.name, fraction: 0 });
    void job.start(
      () => sendForTagging(file, tagger, setSending),
      (answer) => {
        setUpload(answer.upload);
        newWords(answer.model ?? null);
        edits.reset([]);
        window.history.replaceState(null, '', `/tags?upload=${encodeURIComponent(answer.upload.id)}`);
      },
    );
  }

  /** Tags a photo that is already stored (opened by its address) with the chosen tagger. */
  function tagStored(id: string) {
    edits.clearSaved();
    setSending(null);
    void job.start(
      () => postJson<{ job: { id: string }; model: Tagger['id'] }>('/api/tags', { uploadId: id, model: tagger?.id }, 'The server could not start tagging. Please try again.'),
      (answer) => newWords(answer.model),
    );
  }

  // While the photo is sent, the job is starting but the model is not tagging yet.
  const tagging = job.phase === 'running' || (job.phase === 'starting' && sending === null);

  return (
    <div>
      <TagDropzone
        maxBytes={maxBytes}
        tagger={tagger}
        replacing={upload !== null}
        busy={job.busy}
        sending={job.phase === 'starting' ? sending : null}
        onFile={tagFile}
      />

      {job.failure && <ErrorNotice error={job.failure} testId="tag-error" />}

      {upload && (
        <div className={styles.tagger} data-testid="tag-result">
          <TaggedPhoto upload={upload} />
          <div>
            <TaggingStatus
              tagging={tagging}
              progress={job.progress}
              steps={steps}
              madeBy={madeBy}
              hasWords={scores.length > 0}
              tagger={tagger}
              labelOf={labelOf}
              onRetag={() => tagStored(upload.id)}
            />
            <TagList scores={scores} decisions={edits.decisions} tagging={tagging} onDecide={edits.decide} onSuggest={() => tagStored(upload.id)} />
            <OwnTags own={edits.own} hidden={tagging} onAdd={(words) => edits.addOwn(words, new Set(scores.map((s) => s.word)))} onRemove={edits.removeOwn} />
            {!tagging && <SaveTags saving={edits.saving} saved={edits.saved} stored={edits.stored} onSave={() => void edits.save(upload.id, job.setFailure)} />}
          </div>
        </div>
      )}
    </div>
  );
}
