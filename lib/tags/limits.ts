/** What one batch of photos may hold: read by the API and by the page that fills a batch (no server-only imports). */

/** The most photos one batch takes. */
export const BATCH_MAX_PHOTOS = 500;
/** The most bytes one batch request may carry (photos, or a ZIP, and the form around them). */
export const BATCH_MAX_BYTES = 200 * 1024 * 1024;
