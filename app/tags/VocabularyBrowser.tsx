'use client';

import { WordBrowser } from '@/app/components/WordBrowser';
import type { TaggerOption } from './TaggerChooser';
import styles from './tags.module.css';

/** The tagger's whole vocabulary, folded away and searchable; a word clicked goes into the search. */
export function VocabularyBrowser({ tagger, open, onToggle, onPick }: { tagger: TaggerOption; open: boolean; onToggle: (open: boolean) => void; onPick: (word: string) => void }) {
  return (
    <WordBrowser
      id="tag-vocabulary-browser"
      words={tagger.words}
      label={`The ${tagger.words.length.toLocaleString('en-GB')} words it knows`}
      listLabel={`The words the ${tagger.label} tagger knows`}
      open={open}
      onToggle={onToggle}
      onPick={onPick}
      pickHint="Click a word to add it to the search."
      classNames={{ details: styles.vocabulary, note: styles.note, input: styles.input }}
    />
  );
}
