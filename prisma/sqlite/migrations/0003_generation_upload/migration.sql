-- A generation made from a stored photo (a tags run) names it in its own column, so a photo's
-- runs are found by a query on that column rather than by searching the parameters' JSON text.
-- Existing rows are kept: a tags run's photo is read from its params' "uploadId" (when that photo
-- is still stored), and its result ({ tags, steps }) is wrapped as every generation's result is,
-- { output: { tags, steps } }.

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Generation" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "kind" TEXT NOT NULL,
    "modelName" TEXT NOT NULL,
    "modelVersion" TEXT NOT NULL,
    "seed" INTEGER,
    "params" TEXT NOT NULL,
    "uploadId" TEXT,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "blobRefs" TEXT NOT NULL DEFAULT '[]',
    "result" TEXT,
    "error" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" DATETIME,
    CONSTRAINT "Generation_uploadId_fkey" FOREIGN KEY ("uploadId") REFERENCES "Upload" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_Generation" ("blobRefs", "createdAt", "error", "finishedAt", "id", "kind", "modelName", "modelVersion", "params", "uploadId", "result", "seed", "status")
SELECT
    g."blobRefs", g."createdAt", g."error", g."finishedAt", g."id", g."kind", g."modelName", g."modelVersion", g."params",
    CASE WHEN g."kind" = 'tags' AND json_valid(g."params")
        THEN (SELECT u."id" FROM "Upload" u WHERE u."id" = json_extract(g."params", '$.uploadId'))
    END,
    CASE WHEN g."kind" = 'tags' AND json_valid(g."result") AND json_type(g."result") = 'object' AND json_type(g."result", '$.output') IS NULL
        THEN json_object('output', json(g."result"))
        ELSE g."result"
    END,
    g."seed", g."status"
FROM "Generation" g;
DROP TABLE "Generation";
ALTER TABLE "new_Generation" RENAME TO "Generation";
CREATE INDEX "Generation_kind_createdAt_idx" ON "Generation"("kind", "createdAt");
CREATE INDEX "Generation_uploadId_kind_createdAt_idx" ON "Generation"("uploadId", "kind", "createdAt");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
