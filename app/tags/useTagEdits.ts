'use client';

import { useMemo, useState } from 'react';
import type { PhotoTagView } from '@/lib/tags';
import type { Failure } from '@/app/components/postJson';

export type Decision = 'accepted' | 'removed';

function decisionsFrom(stored: PhotoTagView[]): Map<string, Decision> {
  return new Map(stored.flatMap((t) => (t.status === 'suggested' ? [] : [[t.word, t.status] as [string, Decision]])));
}

const ownOf = (stored: PhotoTagView[]) => stored.filter((t) => t.source === 'person' && t.status === 'accepted').map((t) => t.word);

/**
 * A person's corrections to a photo's tags: the model's words kept or removed, their own words,
 * and saving them (PUT /api/uploads/:id/tags), starting from the tags stored for the photo.
 */
export function useTagEdits(initial: PhotoTagView[]) {
  const [stored, setStored] = useState<PhotoTagView[]>(initial);
  const [decisions, setDecisions] = useState<Map<string, Decision>>(() => decisionsFrom(initial));
  const [own, setOwn] = useState<string[]>(() => ownOf(initial));
  const [saving, setSaving] = useState(false);
  /** What the last save kept and removed; cleared by the next change. */
  const [saved, setSaved] = useState<string | null>(null);

  const storedOwn = useMemo(() => new Set(stored.filter((t) => t.source === 'person').map((t) => t.word)), [stored]);

  /** Starts again from the photo's stored tags (after tagging, after a save). */
  function reset(tags: PhotoTagView[]) {
    setStored(tags);
    setDecisions(decisionsFrom(tags));
    setOwn(ownOf(tags));
  }

  /** Keeps or removes one of the model's words; the same choice again undoes it. */
  function decide(word: string, decision: Decision) {
    setSaved(null);
    setDecisions((before) => {
      const next = new Map(before);
      if (next.get(word) === decision) next.delete(word);
      else next.set(word, decision);
      return next;
    });
  }

  /** Adds a person's own words; one the model also proposed (`proposed`) counts as keeping the model's word. */
  function addOwn(words: string[], proposed: Set<string>) {
    setSaved(null);
    setOwn((before) => [...before, ...words.filter((w) => !proposed.has(w) && !before.includes(w))]);
    setDecisions((before) => {
      const next = new Map(before);
      for (const w of words) if (proposed.has(w)) next.set(w, 'accepted');
      return next;
    });
  }

  function removeOwn(word: string) {
    setSaved(null);
    setOwn(own.filter((w) => w !== word));
  }

  /** Saves the corrections; a failure goes to `onFailure` (null as the save starts). */
  async function save(uploadId: string, onFailure: (failure: Failure | null) => void) {
    setSaving(true);
    onFailure(null);
    const accepted = [...decisions].filter(([, d]) => d === 'accepted').map(([w]) => w);
    const removed = [...decisions].filter(([, d]) => d === 'removed').map(([w]) => w);
    // A person's own word that was stored and is no longer in the list was removed.
    for (const word of storedOwn) if (!own.includes(word) && !accepted.includes(word)) removed.push(word);
    try {
      const response = await fetch(`/api/uploads/${encodeURIComponent(uploadId)}/tags`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ accepted, removed, added: own.filter((w) => !removed.includes(w)) }),
      });
      const body = await response.json();
      if (!response.ok) {
        onFailure(body.error);
        return;
      }
      const tags: PhotoTagView[] = body.tags;
      reset(tags);
      const kept = tags.filter((t) => t.status === 'accepted').length;
      setSaved(`Saved: ${kept} ${kept === 1 ? 'tag' : 'tags'} kept for this photo${removed.length ? `, ${removed.length} removed` : ''}.`);
    } catch {
      onFailure({ code: 'NETWORK', message: 'The connection to the server was lost; your tags were not saved. Please try again.' });
    } finally {
      setSaving(false);
    }
  }

  return { stored, decisions, own, saving, saved, clearSaved: () => setSaved(null), reset, decide, addOwn, removeOwn, save };
}
