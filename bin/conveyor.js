#!/usr/bin/env node
// Entry point of `npx conveyor …` and `npm start`. Runs the compiled build (dist-server/, made by
// `npm run build`) when it is there and no source file that went into it has changed since;
// otherwise loads the TypeScript sources through tsx, which costs about a second of compiling
// at every start (a person at a terminal is told so in one line).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildProblem } from './choose-build.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// CONVEYOR_FROM_SOURCE=1 / CONVEYOR_FROM_BUILD=1 choose without looking (development, benchmarks, tests).
const problem = process.env.CONVEYOR_FROM_SOURCE === '1' ? 'CONVEYOR_FROM_SOURCE=1' : process.env.CONVEYOR_FROM_BUILD === '1' ? null : buildProblem(root);
let main;
if (problem === null) {
  ({ main } = await import('../dist-server/cli.js'));
} else {
  if (process.stderr.isTTY) process.stderr.write(`conveyor: running from the TypeScript sources, slower to start (${problem}; npm run build compiles it)\n`);
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../server/cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
