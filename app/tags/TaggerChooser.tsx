'use client';

/**
 * The page's one choice of tagger, shared by "Tag a photo" and "Find photos by tags": a radio
 * group saying what each installed tagger learned from and how many words it knows (the default
 * first and preselected), or a single line when only one is installed.
 */
import { createContext, useContext, useState, type ReactNode } from 'react';
import type { Tagger } from '@/lib/tags';
import styles from './tags.module.css';

/** What the page needs of an installed tagger (taggers.ts), with its vocabulary. */
export interface TaggerOption {
  id: Tagger['id'];
  label: string;
  photos: string;
  words: string[];
  /** Whether tags → photos also searches Corel-5k's training photos. */
  searchesCorel: boolean;
}

interface Chosen {
  /** The chosen tagger; null when none can be used on this server. */
  tagger: TaggerOption | null;
  /** How the page names any tagger, installed or not (a photo may have been tagged by one since removed). */
  labelOf: (id: Tagger['id']) => string;
}

const ChosenTagger = createContext<Chosen>({ tagger: null, labelOf: (id) => id });

export const useChosenTagger = () => useContext(ChosenTagger);

const knows = (t: TaggerOption) => `Learned from ${t.photos}; ${t.words.length.toLocaleString('en-GB')} words.`;

export function TaggerChooser({ taggers, labels, children }: { taggers: TaggerOption[]; labels: Record<Tagger['id'], string>; children: ReactNode }) {
  const [chosen, setChosen] = useState(taggers[0]?.id);
  const tagger = taggers.find((t) => t.id === chosen) ?? null;
  return (
    <ChosenTagger.Provider value={{ tagger, labelOf: (id) => labels[id] ?? id }}>
      {taggers.length > 1 ? (
        <fieldset className={styles.chooser} data-testid="tagger-chooser">
          <legend className={styles.label}>Tagger (for tagging and for search)</legend>
          {taggers.map((t, i) => (
            <label key={t.id} className={`${styles.option} ${t.id === chosen ? styles.chosen : ''}`}>
              <input
                type="radio"
                name="tagger"
                value={t.id}
                checked={t.id === chosen}
                aria-labelledby={`tagger-${t.id}`}
                aria-describedby={`knows-${t.id}`}
                onChange={() => setChosen(t.id)}
              />
              <span>
                <strong id={`tagger-${t.id}`}>{t.label}</strong>
                {i === 0 && <span className={styles.badge}>default</span>}
                <span id={`knows-${t.id}`} className={styles.knows}>
                  {knows(t)}
                </span>
              </span>
            </label>
          ))}
        </fieldset>
      ) : (
        tagger && (
          <p className={styles.onlyTagger} data-testid="tagger">
            Tagger: <strong>{tagger.label}</strong>. {knows(tagger)}
          </p>
        )
      )}
      {children}
    </ChosenTagger.Provider>
  );
}
