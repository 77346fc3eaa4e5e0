'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { ErrorNotice } from './ErrorNotice';
import { sendJson, type Failure } from './postJson';

/**
 * What the owner of a photo or generation can do with it: share it with everyone or make it
 * private again, and delete it (after a confirmation). Someone else's shared item says whose it is
 * not, and offers nothing.
 */
export function OwnerControls({ api, what, visibility, yours, afterDelete }: { api: string; what: string; visibility: 'private' | 'public'; yours: boolean; afterDelete: string }) {
  const router = useRouter();
  const [shown, setShown] = useState(visibility);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);
  if (!yours) return <p className="muted" data-testid="shared-by-someone">Shared by someone else: only its owner can change or delete it.</p>;

  const act = async (work: () => Promise<void>) => {
    setBusy(true);
    setFailure(null);
    try {
      await work();
    } catch (error) {
      setFailure(error as Failure);
    } finally {
      setBusy(false);
    }
  };
  const share = () =>
    act(async () => {
      const next = shown === 'public' ? 'private' : 'public';
      await sendJson('PATCH', api, { visibility: next }, `The ${what} could not be changed. Please try again.`);
      setShown(next);
    });
  const remove = () => {
    if (!window.confirm(`Delete this ${what}? It cannot be undone.`)) return;
    void act(async () => {
      await sendJson('DELETE', api, undefined, `The ${what} could not be deleted. Please try again.`);
      router.push(afterDelete);
      router.refresh();
    });
  };
  return (
    <div className="owner-controls" data-testid="owner-controls">
      <p className="muted" data-testid="visibility">
        {shown === 'public' ? `Shared: everyone can see this ${what}; only you can change or delete it.` : `Private: only you can see this ${what}.`}
      </p>
      <button type="button" onClick={share} disabled={busy} data-testid="share">
        {shown === 'public' ? 'Make private' : 'Share with everyone'}
      </button>{' '}
      <button type="button" className="secondary" onClick={remove} disabled={busy} data-testid="delete">
        Delete
      </button>
      {failure && <ErrorNotice error={failure} />}
    </div>
  );
}
