/**
 * The ModelVersion table: every checkpoint that answered a request, recorded the first time it
 * does, with its meta.json (how it was trained), so a stored result can always say which model
 * made it.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Db } from './index';

export class ModelVersions {
  private readonly recorded = new Set<string>();

  constructor(
    private readonly db: Db,
    /** The project root that checkpoint folders are relative to. */
    private readonly root: string = process.cwd(),
  ) {}

  /** Records (`name`, `version`) once, with `<checkpointDir>/meta.json` when it is readable JSON. */
  async record(name: string, version: string, checkpointDir: string): Promise<void> {
    const key = `${name}:${version}`;
    if (this.recorded.has(key)) return;
    let meta = '{}';
    try {
      const text = await fs.readFile(path.join(this.root, checkpointDir, 'meta.json'), 'utf8');
      JSON.parse(text);
      meta = text;
    } catch {
      // no meta.json (or not JSON): the version alone is still worth recording
    }
    await this.db.modelVersion
      .upsert({ where: { name_version: { name, version } }, create: { name, version, meta }, update: {} })
      .catch((error: { code?: string }) => {
        if (error.code !== 'P2002') throw error; // recorded by a concurrent request
      });
    this.recorded.add(key);
  }
}
