// `npm run db:migrate` (and the first step of `npm start`): brings the database up to date.
import { migrateDatabase } from '@/lib/db/migrate';
import { env } from '@/lib/env';

const applied = await migrateDatabase(env.DATABASE_URL);
console.log(applied.length ? `Applied migrations: ${applied.join(', ')}` : 'Database is up to date.');
