// Node-RED for the side-by-side benchmark: installed by install.sh into a scratch folder
// (bench/.node-red, gitignored; NODE_RED_DIR to choose another), never a project dependency.
import { execFileSync } from 'node:child_process';
import path from 'node:path';

export function nodeRedDir(): string {
  return process.env.NODE_RED_DIR ?? path.resolve('bench/.node-red');
}

/** Installs the pinned Node-RED once (a no-op when it is there); returns its version. */
export function installNodeRed(): string {
  execFileSync('sh', ['bench/node-red/install.sh'], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, NODE_RED_DIR: nodeRedDir() } });
  return execFileSync(process.execPath, ['-p', `require(${JSON.stringify(path.join(nodeRedDir(), 'node_modules/node-red/package.json'))}).version`], { encoding: 'utf8' }).trim();
}
