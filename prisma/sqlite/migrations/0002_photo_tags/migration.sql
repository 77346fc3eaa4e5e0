-- CreateTable
CREATE TABLE "PhotoTag" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "uploadId" TEXT NOT NULL,
    "word" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "probability" REAL,
    "status" TEXT NOT NULL DEFAULT 'suggested',
    "modelVersion" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "PhotoTag_uploadId_fkey" FOREIGN KEY ("uploadId") REFERENCES "Upload" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "PhotoTag_word_status_idx" ON "PhotoTag"("word", "status");

-- CreateIndex
CREATE UNIQUE INDEX "PhotoTag_uploadId_word_key" ON "PhotoTag"("uploadId", "word");

