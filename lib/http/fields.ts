import { z } from 'zod';

/** A whole number in [from, to], every failure saying "must be <what>" (by default "a whole number from … to …"). */
export const wholeNumber = (from: number, to: number, what = `a whole number from ${from} to ${to}`) =>
  z.number({ error: `must be ${what}` }).int(`must be ${what}`).min(from, `must be ${what}`).max(to, `must be ${what}`);
