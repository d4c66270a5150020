/**
 * `store repair` of damaged step segments is in the audit trail: one 'steps.lost' row per run, with
 * the records whose steps were lost (every record sharing the damaged frame), the steps, the bytes,
 * where the damage was and where the original bytes went; REST answers it and the Storage page shows it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createElement as h } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditCard } from '../../../client/pages/StoragePage.tsx';
import type { AuditEntry } from '../../../server/contract/wire/storage.ts';
import { startServer } from '../../../server/main.ts';
import { repairStore } from '../../../server/store/maintenance.ts';
import { repairHooks } from '../../../server/store/repair-journal-file.ts';
import { lostStepsAudit } from '../../../server/store/retention.ts';
import { removeTempDirs } from './fixtures.ts';
import { damagedSpillFolder, openSpilling } from './spill-damage-fixtures.ts';

afterEach(removeTempDirs);

describe('repair of step segments, audited', () => {
  it("writes a 'steps.lost' row naming the run, the records sharing the damaged frame, their steps, the bytes and where the damaged segment was copied; REST and the Storage page show it", async () => {
    const f = await damagedSpillFolder();
    const repaired = await repairStore(f.dataDir, { now: new Date('2026-01-02T03:04:05.000Z') });
    expect(repaired.lostSteps.map((l) => l.record).sort((a, b) => a - b)).toEqual(f.records);

    const store = await openSpilling(f.storeDir);
    const { items, total } = await store.listAudit();
    await store.close();
    expect(total).toBe(1);
    const copiedTo = path.join(repaired.asideDir!, 'runs', 'run-a.steps');
    expect(items[0]).toMatchObject({
      at: '2026-01-02T03:04:05.000Z',
      actor: 'cli',
      action: 'steps.lost',
      runId: 'run-a',
      flowId: 'f',
      flowName: 'Flow f',
      records: f.records.length,
      detail: {
        repair: 'damaged step segments',
        steps: 3 * f.records.length,
        lost: f.records.map((record) => ({ record, steps: 3, upToStep: 3, file: 'steps-0000.seg', offset: f.offset, reason: 'a frame fails its CRC-32 checksum' })),
        more: 0,
        copiedTo,
        report: path.join(repaired.asideDir!, 'repair-report.txt'),
      },
    });
    expect(fs.existsSync(path.join(copiedTo, 'steps-0000.seg'))).toBe(true);
    const report = fs.readFileSync(path.join(repaired.asideDir!, 'repair-report.txt'), 'utf8');
    for (const record of f.records) expect(report).toContain(`run run-a, record ${record}: 3 steps (up to step 3), steps-0000.seg at byte ${f.offset}: a frame fails its CRC-32 checksum`);
    expect(report).toContain(`the steps of ${f.records.length} records are lost (${3 * f.records.length} steps)`);
    for (const other of f.others) expect(report).not.toContain(`run run-a, record ${other}:`);
    expect(report).toContain("Written to the audit trail: one 'steps.lost' entry per run");

    const server = await startServer({ port: 0, dataDir: f.dataDir, clientDir: path.join(f.dataDir, 'no-client'), log: false });
    let served: AuditEntry[];
    try {
      const res = await fetch(`${server.url}/api/audit?runId=run-a`);
      expect(res.status).toBe(200);
      served = ((await res.json()) as { items: AuditEntry[] }).items;
    } finally {
      await server.close();
    }
    expect(served).toEqual(JSON.parse(JSON.stringify(items)));
    const html = renderToStaticMarkup(h(AuditCard, { entries: served }));
    expect(html).toContain('Store repair lost steps of run');
    expect(html).toContain(`data-testid="audit-steps-lost">${3 * f.records.length} steps of records ${f.records.join(', ')} (damaged step segment`);
    expect(html).toContain(copiedTo);
  });

  it("the row's bytes are the damaged frame's, counted once however many records shared it", async () => {
    const f = await damagedSpillFolder();
    await repairStore(f.dataDir);
    const store = await openSpilling(f.storeDir);
    const { items } = await store.listAudit();
    await store.close();
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ action: 'steps.lost', records: f.records.length, bytes: f.length });
  });

  it("a repair killed once the segments were rewritten, before its audit row: the store refuses to open until repaired again, which reports and audits the lost steps", async () => {
    const f = await damagedSpillFolder();
    repairHooks.afterSegments = () => {
      throw new Error('killed');
    };
    try {
      await expect(repairStore(f.dataDir)).rejects.toThrow('killed');
    } finally {
      repairHooks.afterSegments = undefined;
    }
    await expect(openSpilling(f.storeDir)).rejects.toMatchObject({ code: 'E_STORE_DAMAGED' });
    const again = await repairStore(f.dataDir);
    expect(again.lostSteps.map((l) => l.record).sort((a, b) => a - b)).toEqual(f.records);
    expect(again.lines.join('\n')).toContain('The step segments of run run-a were damaged');
    const store = await openSpilling(f.storeDir);
    const { items } = await store.listAudit();
    await store.close();
    expect(items.map((i) => [i.action, i.runId])).toEqual([['steps.lost', 'run-a']]);
  });

  it('a second repair finds nothing and writes no row', async () => {
    const f = await damagedSpillFolder();
    await repairStore(f.dataDir);
    expect((await repairStore(f.dataDir)).changed).toBe(false);
    const store = await openSpilling(f.storeDir);
    expect((await store.listAudit()).total).toBe(1);
    await store.close();
  });

  it('one row per run; a run that lost many records lists the first 200 in order and counts the rest', () => {
    const lost = (runId: string, n: number) =>
      Array.from({ length: n }, (_, i) => ({ runId, record: n - 1 - i, steps: 2, lastSeq: 4, file: `/d/store/runs/${runId}.steps/steps-0001.seg`, offset: i * 100, reason: 'the file is missing', bytes: 100 }));
    const rows = lostStepsAudit([...lost('big', 250), ...lost('small', 1)], new Map([['big', { flowId: 'fb', flowName: 'Big' }]]), '2026-01-01T00:00:00.000Z', {
      segments: (runId) => `/aside/runs/${runId}.steps`,
      report: '/aside/repair-report.txt',
    });
    expect(rows.map((r) => [r.runId, r.flowName, r.records, r.bytes])).toEqual([
      ['big', 'Big', 250, 25_000],
      ['small', null, 1, 100],
    ]);
    const detail = rows[0].detail as { steps: number; lost: Array<{ record: number; file: string }>; more: number; copiedTo: string };
    expect(detail.steps).toBe(500);
    expect(detail.lost.map((l) => l.record)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(detail.lost[0].file).toBe('steps-0001.seg');
    expect(detail.more).toBe(50);
    expect(detail.copiedTo).toBe('/aside/runs/big.steps');
  });
});
