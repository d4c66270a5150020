// Group transitions of the Groups of search terms trigger: G groups of T terms, each term fanning out
// into 5 results through a split (durable commits). A transition is the time from the end of a group's
// last term to the start of the next group's first term; the gap between two terms of the same group
// is measured the same way, for comparison. Prints one JSON line.
// Run: node --import tsx bench/group-transition.ts [groups=20] [termsPerGroup=10]
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openConveyor } from '../server/conveyor.ts';
import { groupsFlow } from './groups-flow.ts';

const groupCount = Number(process.argv[2] ?? 20);
const termsPerGroup = Number(process.argv[3] ?? 10);

const flow = groupsFlow(groupCount, termsPerGroup);

const dir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-bench-groups-'));
try {
  const c = await openConveyor(dir);
  const t0 = performance.now();
  const run = await c.engine.startRun(flow);
  const summary = await c.engine.waitForRun(run.id);
  const seconds = (performance.now() - t0) / 1000;
  if (summary.counts.success !== groupCount * termsPerGroup) throw new Error(`expected every term to succeed: ${JSON.stringify(summary.counts)}`);
  const records = (await c.store.listRecords(run.id, { limit: 1000 })).items;
  const transitions: number[] = [];
  const withinGroup: number[] = [];
  for (let i = 1; i < records.length; i++) {
    const gap = Date.parse(records[i].startedAt!) - Date.parse(records[i - 1].endedAt!);
    (records[i].data.group !== records[i - 1].data.group ? transitions : withinGroup).push(gap);
  }
  const progress = (await c.engine.groups(run.id))!;
  if (progress.groups.some((g) => g.processed !== termsPerGroup || g.results.success !== termsPerGroup * 5)) throw new Error('group counters do not add up');
  await c.close();
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  console.log(JSON.stringify({
    groups: groupCount,
    termsPerGroup,
    seconds: Math.round(seconds * 10) / 10,
    termsPerSec: Math.round((groupCount * termsPerGroup) / seconds),
    transitionMeanMs: Math.round(mean(transitions) * 10) / 10,
    transitionMaxMs: Math.max(...transitions),
    withinGroupMeanMs: Math.round(mean(withinGroup) * 10) / 10,
  }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
