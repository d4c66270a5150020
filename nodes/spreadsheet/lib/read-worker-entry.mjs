// Entry of a spreadsheet reader thread (see read-pool.ts): the worker has no TypeScript loader of
// its own, so it registers tsx — as bin/conveyor.js does for the server — then loads read-worker.ts.
import { register } from 'tsx/esm/api';

register();
await import('./read-worker.ts');
