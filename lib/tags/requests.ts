/**
 * What the tags routes accept, checked by the routes before they call the tag service: a photo to
 * tag (stored, or uploaded with a tagger chosen in the form), words to search, and a person's
 * corrections to a photo's tags.
 */
import { z } from 'zod';
import { taggerIdSchema } from './taggers';
import { splitWords } from './words';

/** POST /api/tags as JSON: a stored photo, and the tagger to read it with. */
export const tagStoredPhotoRequest = z.object({ uploadId: z.string().min(1).max(64), model: taggerIdSchema.optional() });
/** POST /api/tags as a form: the fields beside the photo. */
export const tagUploadFields = z.object({ model: taggerIdSchema.optional() });

const word = z.string().trim().min(1, 'a tag cannot be empty').max(40, 'a tag has at most 40 characters');

/** Words (a list, or one line of text) → the nearest photos. */
export const searchRequest = z.object({
  tags: z.union([
    z.array(word).min(1, 'give at least one tag').max(10, 'give at most 10 tags'),
    z.string().trim().min(1, 'give at least one tag').max(400).transform(splitWords).pipe(z.array(word).min(1).max(10, 'give at most 10 tags')),
  ]),
  limit: z.number().int().min(1).max(100).default(24),
  model: taggerIdSchema.optional(),
});

const words = z.array(z.string().max(100)).max(100).default([]);

/** A person's corrections to a photo's tags (see `TagService.saveTags`). */
export const correctionsRequest = z.object({ accepted: words, removed: words, added: words });
