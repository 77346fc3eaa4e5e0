import fs from 'node:fs';
import { migrateDatabase } from '@/lib/db/migrate';

/** A fresh, migrated SQLite database and blob store for the unit tests. */
export default async function setup() {
  fs.rmSync('test/.tmp/unit.db', { force: true });
  fs.rmSync('test/.tmp/blobs', { recursive: true, force: true });
  fs.mkdirSync('test/.tmp', { recursive: true });
  await migrateDatabase('file:./test/.tmp/unit.db');
}
