// `node scripts/run-together.mjs typecheck build`: runs those npm scripts at the same time and exits
// with the first failure's code once all have ended (0 when all passed). `npm test` checks the types
// beside the build instead of before it: tsc is ~7 s of one core, the two builds ~4 s and ~2 s
// (2026-12-08, load 0.4). Five runs each, alternated, at load 2–8: one after the other 8.9–17.5 s
// (median 10.6), together 6.2–21.7 s (median 9.0) — a few seconds, no more, on two cores.
import { spawn } from 'node:child_process';

const scripts = process.argv.slice(2);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const codes = await Promise.all(
  scripts.map(
    (name) =>
      new Promise((resolve) => {
        const child = spawn(npm, ['run', name], { stdio: 'inherit', shell: process.platform === 'win32' });
        child.on('error', (err) => {
          console.error(`npm run ${name}: ${err.message}`);
          resolve(1);
        });
        child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
      }),
  ),
);
const failed = codes.findIndex((code) => code !== 0);
if (failed >= 0) console.error(`npm run ${scripts[failed]} failed (exit code ${codes[failed]}).`);
process.exit(failed >= 0 ? codes[failed] : 0);
