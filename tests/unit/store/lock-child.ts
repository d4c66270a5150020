/**
 * Takes the data directory lock (argv: dir, "slow" or "fast"), prints "got" or "busy", holds it 4 s.
 * "slow" prints "read" once it read the lock it may take over, then waits for the file `<dir>.go`
 * (made once another process acted) before going on.
 */
import { existsSync } from 'node:fs';
import { lockDataDir, lockHooks } from '../../../server/data-dir-lock.ts';

const [dir, pace] = process.argv.slice(2);
if (pace === 'slow') {
  lockHooks.afterRead = () => {
    lockHooks.afterRead = undefined;
    process.stdout.write('read\n');
    for (let waited = 0; !existsSync(`${dir}.go`) && waited < 20_000; waited += 20) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  };
}
let got = false;
try {
  lockDataDir(dir);
  got = true;
} catch (err) {
  if ((err as { code?: string }).code !== 'E_DATA_DIR_BUSY') throw err;
}
process.stdout.write(got ? 'got\n' : 'busy\n');
setTimeout(() => process.exit(0), 4000);
