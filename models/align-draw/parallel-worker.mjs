// Worker thread entry for data-parallel training: registers tsx so the TypeScript model code can
// be imported as it is, then starts parallel-worker.ts.
import { register } from 'tsx/esm/api';

register({ tsconfig: new URL('../../tsconfig.json', import.meta.url).pathname });
await import('./parallel-worker.ts');
