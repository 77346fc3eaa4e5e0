-- CreateTable
CREATE TABLE "PhotoTag" (
    "id" TEXT NOT NULL,
    "uploadId" TEXT NOT NULL,
    "word" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "probability" DOUBLE PRECISION,
    "status" TEXT NOT NULL DEFAULT 'suggested',
    "modelVersion" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PhotoTag_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "PhotoTag_word_status_idx" ON "PhotoTag"("word", "status");

-- CreateIndex
CREATE UNIQUE INDEX "PhotoTag_uploadId_word_key" ON "PhotoTag"("uploadId", "word");

-- AddForeignKey
ALTER TABLE "PhotoTag" ADD CONSTRAINT "PhotoTag_uploadId_fkey" FOREIGN KEY ("uploadId") REFERENCES "Upload"("id") ON DELETE CASCADE ON UPDATE CASCADE;

