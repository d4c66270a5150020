// What one group commit costs in CPU apart from the steps in it: the store's GroupCommitJournal with
// 64 writers, each submitting its next entry (a 10-step chain's step entry, ~560 bytes) once its
// previous one is durable — the shape of the 10-step chain at concurrency 64 (1,563 groups of 64 for
// 10,000 records) with no engine, no database and a no-op apply. Each mode in its own process, the
// modes interleaved round by round (the machine is shared):
//   journal   as the store does it: one packed frame, written and fdatasynced through fs/promises
//   sync-io   the same frame written and fdatasynced with the synchronous calls (event loop blocked)
//   no-sync   written, not synced
//   no-io     neither written nor synced (the frame is still made: packing, checksum)
//   sleep     not written; the main thread blocked 0.4 ms instead of the sync (what waiting alone costs)
// Prints a table: CPU (user + system) and system time per group, wall time per group.
//   node --import tsx bench/group-commit-floor.ts [rounds=3] [groups=1563]
import { execFileSync } from 'node:child_process';
import fs, { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GroupCommitJournal, JournalFile } from '../server/store/journal.ts';

const MODES = ['journal', 'sync-io', 'no-sync', 'no-io', 'sleep'] as const;
type Mode = (typeof MODES)[number];
const WRITERS = 64;

interface Figures {
  mode: Mode;
  groups: number;
  cpuMsPerGroup: number;
  systemMsPerGroup: number;
  wallMsPerGroup: number;
}

/** A step entry of the 10-step chain as journal format 2 writes it (step-frame.ts), for record `i`. */
const entry = (i: number): string =>
  `["s",["run_bench",${i},4,1,"s4","core.set-fields",1,"success",null,3,null,null,"[]","2026-12-08T01:00:00.000Z","2026-12-08T01:00:00.001Z",0.01],` +
  `[null,null,"running",1,0,null,null,null,null,null],null,null,[{"port":"out","data":{"id":${i},"name":"Person ${i}","email":"p${i}@example.com","n":${i},` +
  `"f1":${i + 10},"f2":${2 * i + 10},"f3":${3 * i + 10},"f4":${4 * i + 10}}}],{"tokens":[{"id":1,"nodeId":"s5","data":"\\u0000emitted data\\u0000","fromStep":4,"groups":[]}],` +
  `"groups":[],"nextTokenId":2,"nextGroupId":1,"seq":5,"outcomes":[]}]`;

async function measure(mode: Mode, groups: number): Promise<Figures> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-group-floor-'));
  try {
    const file = await JournalFile.create(dir, 1);
    // The journal file's two calls, replaced per mode (their bookkeeping kept: size, syncedSize).
    const f = file as unknown as { append(buf: Uint8Array, length: number): Promise<void>; sync(): Promise<void>; size: number; syncedSize: number; fh: { fd: number } };
    const wait = new Int32Array(new SharedArrayBuffer(4));
    if (mode === 'sync-io') {
      f.append = async (buf, length) => {
        fs.writeSync(f.fh.fd, buf, 0, length, f.size);
        f.size += length;
      };
      f.sync = async () => {
        fs.fdatasyncSync(f.fh.fd);
        f.syncedSize = f.size;
      };
    } else if (mode !== 'journal') {
      if (mode !== 'no-sync') f.append = async (_buf, length) => void (f.size += length);
      f.sync = async () => {
        if (mode === 'sleep') Atomics.wait(wait, 0, 0, 0.4);
        f.syncedSize = f.size;
      };
    }
    const journal = new GroupCommitJournal<unknown>(file, 1, { apply: (es) => es.map(() => ({ ok: true, value: undefined })), afterFlush: async () => undefined });
    const u0 = process.resourceUsage();
    const t0 = performance.now();
    let n = 0;
    await Promise.all(
      Array.from({ length: WRITERS }, async () => {
        for (let g = 0; g < groups; g++) await journal.submit(['x'], entry(n++));
      }),
    );
    const wall = performance.now() - t0;
    const u1 = process.resourceUsage();
    await journal.close(new Error('closed'));
    await file.close();
    const ms = (micros: number) => Math.round((micros / 1000 / groups) * 1000) / 1000;
    return {
      mode,
      groups,
      cpuMsPerGroup: ms(u1.userCPUTime + u1.systemCPUTime - u0.userCPUTime - u0.systemCPUTime),
      systemMsPerGroup: ms(u1.systemCPUTime - u0.systemCPUTime),
      wallMsPerGroup: Math.round((wall / groups) * 1000) / 1000,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--case') {
  process.stdout.write(JSON.stringify(await measure(process.argv[3] as Mode, Number(process.argv[4]))) + '\n');
} else {
  const rounds = Number(process.argv[2] ?? 3);
  const groups = Number(process.argv[3] ?? 1563);
  const self = fileURLToPath(import.meta.url);
  const rows: Figures[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const mode of MODES) {
      const out = execFileSync(process.execPath, [...process.execArgv, self, '--case', mode, String(groups)], { encoding: 'utf8' });
      rows.push(JSON.parse(out.trim().split('\n').pop()!) as Figures);
    }
  }
  const range = (xs: number[]) => `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`;
  console.log(`${rounds} rounds of ${groups} groups of ${WRITERS} entries, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' / ')}`);
  console.log('| mode | CPU ms a group | of it system | wall ms a group |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const mode of MODES) {
    const of = rows.filter((r) => r.mode === mode);
    console.log(`| ${mode} | ${range(of.map((r) => r.cpuMsPerGroup))} | ${range(of.map((r) => r.systemMsPerGroup))} | ${range(of.map((r) => r.wallMsPerGroup))} |`);
  }
}
