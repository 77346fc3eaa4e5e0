/** Command-line helpers shared by the train and evaluate scripts. */
import { describe, expect, it } from 'vitest';
import { checkpointCommand, parseFlags } from '@/lib/cli/progress';

describe('command line', () => {
  it('reads --name value, --name=value and bare flags', () => {
    const flags = parseFlags(['--seed', '2', '--epochs=3', '--plain-covariance']);
    expect(flags.get('seed')).toBe('2');
    expect(flags.get('epochs')).toBe('3');
    expect(flags.get('plain-covariance')).toBe(true);
  });

  it("records a checkpoint's command without where it was written", () => {
    expect(checkpointCommand('models/oneshot/train.ts', ['--seed', '2', '--out', '/tmp/ck', '--episodes=10'])).toBe('npx tsx models/oneshot/train.ts --seed 2 --episodes=10');
    expect(checkpointCommand('models/oneshot/train.ts', ['--out=/tmp/ck'])).toBe('npx tsx models/oneshot/train.ts');
    expect(checkpointCommand('models/oneshot/train.ts', [])).toBe('npx tsx models/oneshot/train.ts');
  });
});
