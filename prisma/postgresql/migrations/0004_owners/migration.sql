-- Owners: every photo and generation belongs to an anonymous owner (lib/owners) and is private to
-- them unless made public. Each owner has their own record of a photo, so the same bytes may now
-- be recorded once per owner: the photo's SHA-256 is unique per owner, no longer in all.
-- Rows made before owners existed belong to "legacy" and stay private: only the administrator
-- (ADMIN_TOKEN) sees them, and may make them public. Nothing is rewritten or removed.

-- DropIndex
DROP INDEX "Upload_sha256_key";

-- AlterTable
ALTER TABLE "Upload" ADD COLUMN "ownerId" TEXT NOT NULL DEFAULT 'legacy',
ADD COLUMN "visibility" TEXT NOT NULL DEFAULT 'private',
ADD COLUMN "source" TEXT NOT NULL DEFAULT 'upload';

ALTER TABLE "Generation" ADD COLUMN "ownerId" TEXT NOT NULL DEFAULT 'legacy',
ADD COLUMN "visibility" TEXT NOT NULL DEFAULT 'private';

-- CreateIndex
CREATE INDEX "Upload_sha256_idx" ON "Upload"("sha256");
CREATE INDEX "Upload_ownerId_createdAt_idx" ON "Upload"("ownerId", "createdAt");
CREATE INDEX "Upload_visibility_createdAt_idx" ON "Upload"("visibility", "createdAt");
CREATE UNIQUE INDEX "Upload_ownerId_sha256_key" ON "Upload"("ownerId", "sha256");
CREATE INDEX "Generation_ownerId_kind_createdAt_idx" ON "Generation"("ownerId", "kind", "createdAt");
