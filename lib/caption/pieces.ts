/**
 * Word pieces back into the words a person typed, for showing where a drawing looked: a WordPiece
 * tokenizer spells "kickflip" as "kick", "##fl", "##ip", and a page should say "kickflip" with the
 * attention of its three pieces added up. No server-only imports: the page bundles it.
 */

/** A piece that continues the word before it. */
const CONTINUES = /^##/;

export interface WholeWords {
  words: string[];
  /** steps × words: each step's attention to a word is the sum over its pieces (rows still sum to 1). */
  alignment: number[][];
}

/** Joins continuation pieces ("##…") onto the word they continue; word-level tokens pass through. */
export function wholeWords(pieces: readonly string[], alignment: readonly (readonly number[])[]): WholeWords {
  const owner: number[] = [];
  const words: string[] = [];
  for (const piece of pieces) {
    if (CONTINUES.test(piece) && words.length > 0) words[words.length - 1] += piece.replace(CONTINUES, '');
    else words.push(piece);
    owner.push(words.length - 1);
  }
  return {
    words,
    alignment: alignment.map((row) => {
      const sums = new Array<number>(words.length).fill(0);
      row.forEach((weight, i) => (sums[owner[i] ?? words.length - 1] += weight));
      return sums;
    }),
  };
}
