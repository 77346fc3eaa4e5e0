/**
 * A person's photos' tags, exported as the tools that train on tagged photos read them: a `.txt`
 * sidecar per photo (`holiday.jpg` → `holiday.txt`, the words comma-separated, in a ZIP), CSV, or
 * JSON. A photo's tags are the words kept (accepted, or the person's own) and the model's
 * suggestions not removed, kept ones first; each photo names the tagger and version that made its
 * suggestions.
 */
import { strToU8, zipSync } from 'fflate';
import { z } from 'zod';
import type { Viewer } from '@/lib/owners';
import { taggerById } from './taggers';
import type { TagService } from './index';

export const EXPORT_FORMATS = ['txt', 'csv', 'json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** POST /api/tags/export. */
export const exportRequest = z.object({
  uploadIds: z.array(z.string().min(1).max(64)).min(1, 'give at least one photo').max(500, 'export at most 500 photos at once'),
  format: z.enum(EXPORT_FORMATS, { message: 'must be "txt" (a ZIP of .txt sidecars), "csv" or "json"' }),
});

export interface ExportedPhoto {
  file: string;
  id: string;
  tags: string[];
  /** The tagger whose suggestions these are ("Everyday photos (Flickr8k)"), and its version; null when the photo was never tagged. */
  tagger: string | null;
  taggerVersion: string | null;
}

/** The photos `viewer` may see among `uploadIds`, with their tags (the others are left out). */
export async function exportedPhotos(tags: TagService, viewer: Viewer, uploadIds: string[]): Promise<ExportedPhoto[]> {
  const photos: ExportedPhoto[] = [];
  for (const id of new Set(uploadIds)) {
    const found = await tags.tagsOf(viewer, id).catch(() => null);
    if (!found) continue;
    const words = found.tags.filter((t) => t.status !== 'removed').map((t) => t.word);
    const suggestions = found.suggestions;
    photos.push({
      file: found.upload.originalName ?? `${id}.${found.upload.format === 'png' ? 'png' : 'jpg'}`,
      id,
      tags: words,
      tagger: suggestions ? `${taggerById(suggestions.model).label} (${suggestions.model})` : null,
      taggerVersion: suggestions?.modelVersion ?? null,
    });
  }
  return photos;
}

const csvField = (value: string) => (/[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);

/** A file name's stem with `.txt`, made unique among `taken`. */
function sidecarName(file: string, taken: Set<string>): string {
  const stem = file.replace(/\.[^.]*$/, '') || 'photo';
  let name = `${stem}.txt`;
  for (let n = 2; taken.has(name.toLowerCase()); n++) name = `${stem}-${n}.txt`;
  taken.add(name.toLowerCase());
  return name;
}

/** The export as a file: its bytes, type and name. */
export function exportFile(photos: ExportedPhoto[], format: ExportFormat, now = new Date()): { body: Uint8Array; type: string; name: string } {
  const stamp = now.toISOString().slice(0, 10);
  if (format === 'json') {
    const body = JSON.stringify({ exported: now.toISOString(), photos }, null, 2);
    return { body: strToU8(body + '\n'), type: 'application/json', name: `tags-${stamp}.json` };
  }
  if (format === 'csv') {
    const lines = ['file,id,tags,tagger,tagger_version', ...photos.map((p) => [p.file, p.id, p.tags.join(', '), p.tagger ?? '', p.taggerVersion ?? ''].map(csvField).join(','))];
    return { body: strToU8(lines.join('\r\n') + '\r\n'), type: 'text/csv; charset=utf-8', name: `tags-${stamp}.csv` };
  }
  const taken = new Set<string>(['taggers.txt']);
  const files: Record<string, Uint8Array> = {};
  for (const photo of photos) files[sidecarName(photo.file, taken)] = strToU8(photo.tags.join(', ') + '\n');
  const taggers = [...new Set(photos.map((p) => (p.tagger ? `${p.tagger}, version ${p.taggerVersion}` : 'not tagged by a model')))];
  files['taggers.txt'] = strToU8(`Tags exported from Latent Studio on ${now.toISOString()}.\nSuggested by: ${taggers.join('; ')}.\nOne .txt per photo, named as the photo, its tags comma-separated.\n`);
  return { body: zipSync(files, { level: 6, mtime: now }), type: 'application/zip', name: `tags-${stamp}-txt.zip` };
}
