/**
 * Tags from captions: the documented rule that turns a photo's five human captions (Flickr8k)
 * into tags, and the training photos' tags into a vocabulary. No NLP library is available to the
 * app, so the normaliser is a small rule set, deliberately conservative, every rule visible here:
 *
 * 1. Words: lowercase; split on anything that is not a letter ("t-shirt" → t, shirt; "dog's" →
 *    dog, s); words of one letter are dropped.
 * 2. Lemmas (`lemma`): an explicit table first (irregular plurals and past forms, nouns that look
 *    like verb forms, plural-only nouns), then one suffix rule:
 *    - plurals and third persons: -ies → -y (puppies → puppy, carries → carry); -sses, -xes,
 *      -ches, -shes, -zzes → drop "es" (dresses, boxes, benches, bushes); other -es and -s → drop
 *      "s" (horses → horse, dogs → dog, plays → play). Not the blanket "-ses → drop es": that
 *      would make horse → hors and house → hous, the commoner case here. Words ending in -ss,
 *      -us, -is, -ous and words of three letters or fewer keep their s;
 *    - -ing and -ed (verb forms): strip the ending, then undo a doubled final consonant
 *      (running → run, swimming → swim, stopped → stop; not -ll, -ss, -ff, -zz: rolling → roll),
 *      turn -i back into -y before -ed only (carried → carry; skiing → ski), and put back a silent
 *      e where English spelling demands it: after -c, -v or -u (dancing → dance, waving → wave),
 *      after a consonant + l (juggling → juggle), after a one-syllable stem ending
 *      consonant–vowel–consonant (riding → ride, posing → pose), and after the endings in
 *      `SILENT_E_ENDINGS` (raising, decorating, including, costumed, injured, emerging); not
 *      opening → open, covered → cover, visiting → visit. The stem must keep a vowel and three
 *      letters, so thing, swing, red and bed are left alone; words in -eed (speed, seaweed) too.
 * 3. Content lemmas (`captionLemmas`): lemmas minus `STOP_WORDS` (function words) and
 *    `GENERIC_WORDS` (words that say nothing of what is in the photo: counts, sizes, ages,
 *    positions, "wearing", "standing", "looking", "something"…; chosen by reading the 400 most
 *    frequent words of the training captions).
 * 4. A photo's tags (`photoTags`): the vocabulary words that are content lemmas of at least
 *    `MIN_CAPTIONS` (2) of its five captions: two describers agreeing is the evidence that the
 *    thing is in the photo, not one person's aside. Measured on the 6,000 training photos (content
 *    lemmas, before the vocabulary): at least 1 caption gives 12.7 tags a photo and a 920-word
 *    vocabulary at rule 5, half of them asides ("collar", "entry"); at least 2 gives 5.2 tags and
 *    370 words, close to the 5 words a tagger suggests; at least 3 gives 3.0 tags and 212 words.
 * 5. The vocabulary (`buildFlickrVocabulary`): the content lemmas that are tags (rule 4) of at
 *    least `MIN_PHOTOS` (10) training photos, commonest first: 370 words on Flickr8k's 6,000
 *    training photos (5 photos: 590 words, 15: 270, 20: 214), 4.6 tags a photo, 4 photos with
 *    none. Ten photos is the least a word needs to be learned and measured at all.
 */

/** Function words: never tags. */
export const STOP_WORDS: readonly string[] = [
  'a', 'an', 'the', 'and', 'or', 'but', 'nor', 'so', 'yet', 'if', 'then', 'than', 'as', 'of', 'in', 'on', 'at', 'to', 'into', 'onto',
  'from', 'by', 'with', 'without', 'for', 'about', 'over', 'under', 'up', 'down', 'out', 'off', 'through', 'across', 'along', 'around',
  'behind', 'beside', 'between', 'beneath', 'below', 'above', 'against', 'among', 'toward', 'towards', 'upon', 'within', 'past',
  'after', 'before', 'during', 'until', 'via', 'per', 'be', 'is', 'are', 'was', 'were', 'been', 'being', 'am', 'have', 'has', 'had',
  'do', 'does', 'did', 'will', 'would', 'can', 'could', 'should', 'may', 'might', 'must', 'shall', 'not', 'no', 'it', 'its', 'he',
  'him', 'his', 'she', 'her', 'hers', 'they', 'them', 'their', 'theirs', 'we', 'us', 'our', 'you', 'your', 'i', 'me', 'my',
  'this', 'that', 'these', 'those', 'there', 'here', 'who', 'whom', 'whose', 'which', 'what', 'where', 'when', 'why', 'how',
  'while', 'whilst', 'also', 'just', 'very', 'too', 'all', 'any', 'both', 'each', 'every', 'some', 'such', 'own', 'only', 'same',
  'themselves', 'himself', 'herself', 'itself', 'one', 'ones', 'away', 'back', 'again', 'almost', 'still', 'even', 'like', 'onto',
  'inside', 'outside', 'near', 'nearby', 'next', 'beyond', 'throughout', 'underneath', 'alongside', 'amongst', 'rather', 'quite',
];

/**
 * Lemmas that are not stop words but say nothing of what is in the photo, so a tagger cannot
 * score by repeating them: numbers and quantities, sizes and ages, positions and framing words,
 * the verbs every caption uses for "is there" (wear, stand, look, hold, watch…), and vague nouns.
 */
export const GENERIC_WORDS: readonly string[] = [
  // numbers and quantities
  'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'several', 'many', 'few', 'lot', 'lots', 'multiple',
  'numerous', 'other', 'others', 'another', 'group', 'couple', 'pair', 'bunch', 'single', 'half', 'most', 'more', 'much',
  // sizes, ages, general qualities
  'young', 'younger', 'little', 'small', 'smaller', 'large', 'larger', 'big', 'bigger', 'tiny', 'huge', 'giant', 'tall', 'taller',
  'long', 'short', 'high', 'low', 'old', 'older', 'elderly',
  'new', 'different', 'various', 'full', 'empty', 'open', 'dark', 'bright', 'light', 'colorful', 'colored', 'coloured',
  'multi', 'dressed', 'covered', 'cover', 'male', 'female', 'adult', 'certain', 'similar', 'own', 'nice', 'pretty',
  'good', 'top', 'bottom', 'front', 'side', 'middle', 'edge', 'end', 'corner', 'center', 'centre', 'part', 'area', 'place',
  'way', 'view', 'background', 'foreground', 'distance', 'left', 'right', 'close', 'far', 'together', 'alone', 'ready',
  'outdoors', 'outdoor', 'indoors', 'indoor', 'air', 'midair', 'something', 'someone', 'somebody', 'anything', 'everything',
  'thing', 'stuff', 'object', 'item', 'kind', 'type', 'picture', 'photo', 'image', 'camera', 'day', 'time',
  // verbs every caption uses for "is there"
  'wear', 'stand', 'look', 'watch', 'hold', 'stare', 'face', 'get', 'go', 'come', 'take', 'make', 'try', 'use', 'appear',
  'seem', 'wait', 'pose', 'show', 'see', 'let', 'keep', 'put', 'give', 'doing', 'do', 'be', 'have', 'begin', 'start', 'stay',
  'set', 'head', 'move', 'lean', 'prepare', 'turn', 'point', 'reach', 'gather', 'follow', 'touch', 'surround', 'overlook',
  'upside', 'line', 'number',
];

/** How many of a photo's captions must use a word for it to be one of the photo's tags. */
export const MIN_CAPTIONS = 2;
/** How many training photos must have a word as a tag for it to enter the vocabulary. */
export const MIN_PHOTOS = 10;

/** Irregular forms and words the suffix rules would get wrong; a word mapped to itself is kept as is. */
export const LEMMA_EXCEPTIONS: Readonly<Record<string, string>> = {
  // irregular plurals
  men: 'man', women: 'woman', children: 'child', people: 'people', feet: 'foot', teeth: 'tooth', mice: 'mouse', geese: 'goose',
  wolves: 'wolf', leaves: 'leaf', knives: 'knife', shelves: 'shelf', halves: 'half', calves: 'calf', scarves: 'scarf', wives: 'wife',
  lives: 'life', buses: 'bus', tomatoes: 'tomato', potatoes: 'potato', heroes: 'hero', volcanoes: 'volcano', ties: 'tie', pies: 'pie',
  cookies: 'cookie', movies: 'movie', goalies: 'goalie', hippies: 'hippie', brownies: 'brownie', lies: 'lie', dies: 'die',
  firemen: 'fireman', policemen: 'policeman', gentlemen: 'gentleman', oxen: 'ox', dice: 'dice', sheep: 'sheep', fish: 'fish',
  // irregular verb forms
  ran: 'run', sat: 'sit', swam: 'swim', stood: 'stand', rode: 'ride', ridden: 'ride', threw: 'throw', thrown: 'throw',
  caught: 'catch', held: 'hold', took: 'take', taken: 'take', ate: 'eat', eaten: 'eat', fell: 'fall', fallen: 'fall', flew: 'fly',
  flown: 'fly', went: 'go', gone: 'go', goes: 'go', got: 'get', wore: 'wear', worn: 'wear', made: 'make', came: 'come',
  hung: 'hang', leapt: 'leap', lying: 'lie', dying: 'die', tying: 'tie', does: 'do', did: 'do', done: 'do', has: 'have',
  had: 'have', is: 'be', are: 'be', was: 'be', were: 'be', been: 'be', being: 'be', seen: 'see', saw: 'see', sang: 'sing',
  dug: 'dig', built: 'build', drove: 'drive', driven: 'drive', broke: 'break', broken: 'break', gave: 'give', given: 'give',
  bit: 'bite', // "bit" as "a little" is rare in these captions
  // plural-only nouns and words that only look like plurals
  glasses: 'glasses', sunglasses: 'sunglasses', pants: 'pants', shorts: 'shorts', jeans: 'jeans', clothes: 'clothes',
  goggles: 'goggles', trunks: 'trunks', tights: 'tights', overalls: 'overalls', pajamas: 'pajamas', scissors: 'scissors',
  binoculars: 'binoculars', news: 'news', series: 'series', species: 'species', gymnastics: 'gymnastics', athletics: 'athletics',
  sweatpants: 'sweatpants', outdoors: 'outdoors', indoors: 'indoors', towards: 'towards', always: 'always', sideways: 'sideways',
  downstairs: 'downstairs', upstairs: 'upstairs', christmas: 'christmas', canvas: 'canvas', lots: 'lot',
  // nouns and adjectives that look like -ing / -ed verb forms
  building: 'building', buildings: 'building', clothing: 'clothing', ceiling: 'ceiling', morning: 'morning', evening: 'evening',
  railing: 'railing', railings: 'railing', wedding: 'wedding', sibling: 'sibling', siblings: 'sibling', awning: 'awning',
  pudding: 'pudding', icing: 'icing', lightning: 'lightning', something: 'something', nothing: 'nothing', anything: 'anything',
  everything: 'everything', during: 'during', ceilings: 'ceiling', dressed: 'dressed', colored: 'colored', coloured: 'coloured',
  naked: 'naked', hundred: 'hundred', sacred: 'sacred', wicked: 'wicked', crooked: 'crooked', rugged: 'rugged', ragged: 'ragged',
  red: 'red', bed: 'bed', sled: 'sled', shed: 'shed', tired: 'tired', earring: 'earring', earrings: 'earring',
  themselves: 'themselves', ourselves: 'ourselves', yourselves: 'yourselves',
  // verb forms the suffix rules get wrong
  sledding: 'sled', parking: 'parking', skis: 'ski', skied: 'ski', using: 'use', used: 'use', creating: 'create', created: 'create',
  changing: 'change', changed: 'change', arranged: 'arrange', examining: 'examine', examined: 'examine', excited: 'excite',
  silhouetted: 'silhouette', competing: 'compete', competes: 'compete',
  preparing: 'prepare', prepared: 'prepare', prepares: 'prepare', comparing: 'compare', compared: 'compare', graffitied: 'graffiti', visiting: 'visit', visited: 'visit', focused: 'focus', focusing: 'focus',
};

const VOWELS = /[aeiouy]/;
const isVowel = (c: string | undefined) => c !== undefined && 'aeiou'.includes(c);
/** Consonants that are never doubled or "e"-completed at the end of a stem: w, x, y behave like vowels here (play, show, fix). */
const isPlainConsonant = (c: string | undefined) => c !== undefined && /[bcdfghjklmnpqrstvz]/.test(c);

/** Vowel groups in a word, y counting as a vowel unless a vowel follows it (try: 1, kayak: 2): a rough syllable count. */
function syllables(word: string): number {
  return (word.match(/[aeiou]+|y(?![aeiou])/g) ?? []).length;
}

/** Stem endings that English spells with a silent e, in stems of any length: raising, decorating, including, costumed, injured, emerging. */
const SILENT_E_ENDINGS = /([aeiou]s|[^aeiou]at|[^aeiou][aeiou]d|[^aeiou][iu]r|[^aeiou]um|[^aeiou]ut|rg|dg)$/;

/** The base of an -ing / -ed stem: undouble, -i → -y, restore a silent e; see the file comment, rule 2. */
function verbBase(stem: string, ending: 'ing' | 'ed'): string {
  const last = stem[stem.length - 1];
  const before = stem[stem.length - 2];
  if (last === before && isPlainConsonant(last) && !'lsfz'.includes(last)) return stem.slice(0, -1); // running → run
  if (last === 'i') return ending === 'ed' ? `${stem.slice(0, -1)}y` : stem; // carried → carry; skiing → ski
  if ('cvu'.includes(last)) return `${stem}e`; // dancing → dance, waving → wave, glued → glue
  if (last === 'l' && isPlainConsonant(before) && before !== 'l' && before !== 'r') return `${stem}e`; // juggling → juggle
  // One syllable ending consonant–vowel–consonant: riding → ride, smiling → smile (but not rolling → roll).
  if (syllables(stem) === 1 && isPlainConsonant(last) && isVowel(before) && !isVowel(stem[stem.length - 3]) && !'wxy'.includes(last)) {
    return `${stem}e`;
  }
  if (SILENT_E_ENDINGS.test(stem)) return `${stem}e`;
  return stem;
}

/** The lemma of one lowercase word (see the file comment, rule 2). */
export function lemma(word: string): string {
  const known = LEMMA_EXCEPTIONS[word];
  if (known !== undefined) return known;
  let w = word;
  if (w.length > 3 && w.endsWith('s') && !/(ss|us|is|ous)$/.test(w)) {
    if (w.endsWith('ies') && w.length > 4) w = `${w.slice(0, -3)}y`;
    else if (/(ss|x|ch|sh|zz)es$/.test(w)) w = w.slice(0, -2);
    else w = w.slice(0, -1);
    const again = LEMMA_EXCEPTIONS[w];
    if (again !== undefined) return again;
  }
  for (const ending of ['ing', 'ed'] as const) {
    if (!w.endsWith(ending)) continue;
    const stem = w.slice(0, -ending.length);
    if (stem.length < 3 || !VOWELS.test(stem) || w.endsWith('eed')) continue; // speed, seaweed, breed
    return verbBase(stem, ending);
  }
  return w;
}

/** Every lemma of a caption, in order, stop words and generic words included. */
export function captionWords(caption: string): string[] {
  return caption
    .toLowerCase()
    .split(/[^a-z]+/)
    .filter((w) => w.length > 1)
    .map(lemma);
}

const NOT_CONTENT = new Set([...STOP_WORDS, ...GENERIC_WORDS]);

/** Whether a lemma can be a tag: not a stop word, not a generic word, more than one letter. */
export function isContentLemma(word: string): boolean {
  return word.length > 1 && !NOT_CONTENT.has(word);
}

/** The distinct content lemmas of a caption, in order of first use. */
export function captionLemmas(caption: string): string[] {
  return [...new Set(captionWords(caption).filter(isContentLemma))];
}

/** The set of every lemma (content or not) of any of the captions: what precision@5 against captions matches. */
export function captionLemmaSet(captions: readonly string[]): Set<string> {
  return new Set(captions.flatMap(captionWords));
}

/** How many of the captions use each content lemma. */
function captionCounts(captions: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const caption of captions) for (const word of captionLemmas(caption)) counts.set(word, (counts.get(word) ?? 0) + 1);
  return counts;
}

/**
 * A photo's tags: the content lemmas used by at least `minCaptions` of its captions that are in
 * `vocabulary` (any content lemma when it is null), most captions first, then in vocabulary order.
 */
export function photoTags(captions: readonly string[], vocabulary: readonly string[] | null, minCaptions: number = MIN_CAPTIONS): string[] {
  const counts = captionCounts(captions);
  const order = vocabulary ? new Map(vocabulary.map((w, i) => [w, i])) : null;
  return [...counts.entries()]
    .filter(([word, n]) => n >= minCaptions && (order === null || order.has(word)))
    .sort((a, b) => b[1] - a[1] || (order ? order.get(a[0])! - order.get(b[0])! : a[0].localeCompare(b[0])))
    .map(([word]) => word);
}

export interface FlickrVocabularyOptions {
  /** Captions that must use a word for it to be a photo's tag (default `MIN_CAPTIONS`). */
  minCaptions?: number;
  /** Training photos that must have the tag (default `MIN_PHOTOS`). */
  minPhotos?: number;
}

/** The vocabulary: content lemmas that are tags of at least `minPhotos` training photos, commonest first (ties alphabetical). */
export function buildFlickrVocabulary(trainPhotos: ReadonlyArray<{ captions: readonly string[] }>, options: FlickrVocabularyOptions = {}): string[] {
  const minCaptions = options.minCaptions ?? MIN_CAPTIONS;
  const minPhotos = options.minPhotos ?? MIN_PHOTOS;
  const photosWith = new Map<string, number>();
  for (const photo of trainPhotos) for (const word of photoTags(photo.captions, null, minCaptions)) photosWith.set(word, (photosWith.get(word) ?? 0) + 1);
  return [...photosWith.entries()]
    .filter(([, n]) => n >= minPhotos)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([word]) => word);
}
