/** What the upload routes accept, beyond the photo itself. */
import { z } from 'zod';

/** PATCH /api/uploads/:id and /api/generations/:id. */
export const visibilityRequest = z.object({
  visibility: z.enum(['private', 'public'], { message: 'must be "private" (you alone) or "public" (everyone)' }),
});
