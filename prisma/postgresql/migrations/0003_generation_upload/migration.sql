-- A generation made from a stored photo (a tags run) names it in its own column, so a photo's
-- runs are found by a query on that column rather than by searching the parameters' JSON text.
-- Existing rows are kept: a tags run's photo is read from its params' "uploadId" (when that photo
-- is still stored), and its result ({ tags, steps }) is wrapped as every generation's result is,
-- { output: { tags, steps } }. Text that is not JSON is left as it is rather than failing.

-- AlterTable
ALTER TABLE "Generation" ADD COLUMN     "uploadId" TEXT;

-- CreateIndex
CREATE INDEX "Generation_uploadId_kind_createdAt_idx" ON "Generation"("uploadId", "kind", "createdAt");

-- AddForeignKey
ALTER TABLE "Generation" ADD CONSTRAINT "Generation_uploadId_fkey" FOREIGN KEY ("uploadId") REFERENCES "Upload"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- Back-fill
CREATE FUNCTION pg_temp.json_or_null(text TEXT) RETURNS JSONB LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RETURN text::JSONB;
EXCEPTION WHEN others THEN
    RETURN NULL;
END
$$;

UPDATE "Generation" g SET "uploadId" = u."id"
FROM "Upload" u
WHERE g."kind" = 'tags' AND u."id" = pg_temp.json_or_null(g."params") ->> 'uploadId';

UPDATE "Generation" SET "result" = jsonb_build_object('output', pg_temp.json_or_null("result"))::TEXT
WHERE "kind" = 'tags' AND jsonb_typeof(pg_temp.json_or_null("result")) = 'object' AND NOT (pg_temp.json_or_null("result") ? 'output');
