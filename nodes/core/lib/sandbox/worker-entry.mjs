// Entry of a sandbox worker thread (see pool.ts): the worker has no TypeScript loader of its own,
// so it registers tsx — as bin/conveyor.js does for the server — then loads worker.ts.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
