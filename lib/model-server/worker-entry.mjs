// Worker thread entry: registers tsx so the TypeScript model code can be imported as it is, in
// development, tests and production alike, then starts the worker proper.
import { register } from 'tsx/esm/api';

register({ tsconfig: new URL('../../tsconfig.json', import.meta.url).pathname });
await import('./worker.ts');
