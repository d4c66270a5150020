/**
 * The checksum of evidence files and uploads (server/store/file-sums.ts): SHA-256 against the
 * CRC-32s at hand, side by side over the same bytes, interleaved rounds, with process CPU time, wall
 * time and the load average (this machine is shared: wall times are noisy, CPU time less so).
 * Also the cost of checking a file on disk the way the evidence route and a run's upload do.
 *
 *   node --import tsx bench/file-sums.ts [megabytes=200] [rounds=3]
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as zlib from 'node:zlib';
import { crc32 } from '../server/store/crc32.ts';
import { checkFile, sumOf } from '../server/store/file-sums.ts';

const megabytes = Number(process.argv[2] ?? 200);
const rounds = Number(process.argv[3] ?? 3);
const buf = randomBytes(megabytes * 1024 * 1024);
const zlibCrc = (zlib as unknown as { crc32?: (b: Uint8Array) => number }).crc32;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'conveyor-sums-bench-'));
const file = path.join(dir, 'upload.csv');
fs.writeFileSync(file, buf);
fs.writeFileSync(`${file}.json`, JSON.stringify(sumOf(buf)));

const ways: Array<[string, () => unknown]> = [
  ['sha256 (in memory)', () => createHash('sha256').update(buf).digest('hex')],
  ['crc32.ts (in memory)', () => crc32(buf, 0, buf.length)],
  ...(zlibCrc ? ([['zlib.crc32 (in memory)', () => zlibCrc(buf)]] as Array<[string, () => unknown]>) : []),
  ['checkFile (sha256, from disk)', () => checkFile(file, `${file}.json`)],
];

async function main(): Promise<void> {
  console.log(`${megabytes} MB, ${rounds} rounds, node ${process.version}, ${os.cpus().length} cores`);
  for (let round = 1; round <= rounds; round++) {
    for (const [name, run] of ways) {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const out = await run();
      const wall = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      if (typeof out === 'object' && out && (out as { state?: string }).state !== 'ok') throw new Error('the file did not check ok');
      console.log(`round ${round}  ${name.padEnd(30)} cpu ${((cpu.user + cpu.system) / 1000).toFixed(0).padStart(5)} ms  wall ${wall.toFixed(0).padStart(5)} ms  load ${os.loadavg()[0].toFixed(1)}`);
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

void main();
