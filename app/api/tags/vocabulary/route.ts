import { handler } from '@/lib/http/respond';
import { getTagService } from '@/lib/tags';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** The words the tagging model knows, in its own order. */
export const GET = handler(async () => {
  const { words } = await getTagService().vocabulary();
  return Response.json({ count: words.length, words });
});
