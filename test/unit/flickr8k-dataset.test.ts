/**
 * The Flickr8k loader against the real shared data (../shared/data/flickr8k, see its README.md),
 * plus missing and malformed files built in a temp dir.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '@/lib/errors';
import { DatasetFormatError, flickr8kSplit, loadFlickr8k } from '@/lib/datasets';

const DATA = path.resolve('../shared/data');

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flickr8k-test-'));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

function annotations(name: string, lines: string[]): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(path.join(dir, 'flickr8k'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'flickr8k', 'annotations.jsonl'), `${lines.join('\n')}\n`);
  return dir;
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

const five = ['A dog runs .', 'A dog is running .', 'A brown dog .', 'A dog on grass .', 'The dog plays .'];

describe('Flickr8k', () => {
  it('loads the 8,000 photos with five captions each in the official splits', async () => {
    const photos = await loadFlickr8k(DATA);
    expect(photos).toHaveLength(8000);
    expect(flickr8kSplit(photos, 'train')).toHaveLength(6000);
    expect(flickr8kSplit(photos, 'dev')).toHaveLength(1000);
    expect(flickr8kSplit(photos, 'test')).toHaveLength(1000);
    const first = photos[0];
    expect(first.id).toBe('1000268201_693b08cb0e');
    expect(path.isAbsolute(first.file)).toBe(true);
    expect(fs.existsSync(first.file)).toBe(true);
    expect(first.captions).toHaveLength(5);
    expect(first.captions[0]).toMatch(/pink dress/);
    expect(photos.every((p) => p.captions.length === 5)).toBe(true);
    expect(new Set(photos.map((p) => p.id)).size).toBe(8000);
  });

  it('skips records without a photo or a split', async () => {
    const dir = annotations('skips', [
      JSON.stringify({ id: 'a', file: 'images/a.jpg', captions: five, split: 'train' }),
      JSON.stringify({ id: 'b', file: null, captions: five, split: null }),
      JSON.stringify({ id: 'c', file: 'images/c.jpg', captions: five, split: null }),
      JSON.stringify({ id: 'd', file: null, captions: five, split: 'test' }),
    ]);
    const photos = await loadFlickr8k(dir);
    expect(photos.map((p) => p.id)).toEqual(['a']);
    expect(photos[0].file).toBe(path.join(dir, 'flickr8k', 'images', 'a.jpg'));
  });

  it('names the path and says to set DATA_DIR when the folder is missing', async () => {
    const error = await rejection(loadFlickr8k(path.join(tmp, 'nowhere')));
    expect(isAppError(error) && error.code).toBe('DATASET_MISSING');
    expect(error.message).toContain(path.join('flickr8k', 'annotations.jsonl'));
    expect(error.message).toContain('DATA_DIR');
  });

  it('names the file and line of a malformed record', async () => {
    const dir = annotations('malformed', [
      JSON.stringify({ id: 'a', file: 'images/a.jpg', captions: five, split: 'train' }),
      JSON.stringify({ id: 'b', file: 'images/b.jpg', captions: five.slice(0, 4), split: 'train' }),
    ]);
    const error = await rejection(loadFlickr8k(dir));
    expect(error).toBeInstanceOf(DatasetFormatError);
    expect((error as DatasetFormatError).line).toBe(2);
    expect(error.message).toContain('captions');
  });

  it('refuses a file path outside the dataset folder', async () => {
    const dir = annotations('escape', [JSON.stringify({ id: 'a', file: '../../etc/passwd', captions: five, split: 'train' })]);
    expect(await rejection(loadFlickr8k(dir))).toBeInstanceOf(DatasetFormatError);
  });
});
