import { AppError } from '@/lib/errors';
import { handler } from '@/lib/http/respond';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** Any /api path no other route serves: a JSON 404 instead of the HTML not-found page. */
const noSuchApi = handler(async (request: Request) => {
  throw new AppError('NOT_FOUND', `There is no API at ${new URL(request.url).pathname.slice(0, 200)}.`);
});

export { noSuchApi as GET, noSuchApi as POST, noSuchApi as PUT, noSuchApi as PATCH, noSuchApi as DELETE, noSuchApi as OPTIONS };
