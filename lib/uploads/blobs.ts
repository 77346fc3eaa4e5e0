/**
 * Who may fetch a stored image: a blob is served to a viewer who may see a photo or a generation
 * that holds it (made it or read it). The administrator may fetch any. A blob no such row holds is
 * answered as not stored, so that its name confirms nothing, and a deleted photo's bytes stop
 * being served at once, before the blob sweep removes them from the disk.
 */
import { getDb, type Db } from '@/lib/db';
import { getGenerationService, type GenerationService } from '@/lib/generations';
import { visibleTo, type Viewer } from '@/lib/owners';

export async function canSeeBlob(viewer: Viewer, sha256: string, db: Db = getDb(), generations: GenerationService = getGenerationService()): Promise<boolean> {
  if (viewer.admin) return true;
  const upload = await db.upload.findFirst({ where: { sha256, ...visibleTo(viewer) }, select: { id: true } });
  return upload !== null || generations.canSeeBlob(viewer, sha256);
}
