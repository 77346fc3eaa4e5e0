import { z } from 'zod';
import { handler, params } from '@/lib/http/respond';
import { getUploadService } from '@/lib/uploads';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = handler(async (_request: Request, context: { params: Promise<{ id: string }> }) => {
  const { id } = await params(z.object({ id: z.string().min(1).max(64) }), context);
  return Response.json(await getUploadService().get(id));
});
