import { Router } from 'express';
import { reviewWaits } from '../report/review-wait.ts';
import { haltedWithin } from '../report/run-working-time.ts';
import { z } from 'zod';
import type { Engine } from '../engine/engine.ts';
import type { FlowLibrary } from '../flow/flow-library.ts';
import type { RecordRow, RunRow, Store } from '../store/types.ts';
import { ConveyorError, recordNotFound } from '../errors.ts';
import { RECORD_STATUSES } from '../contract/status.ts';
import { parseBody, parseQuery, recordIndexParam } from './parse.ts';
import { runInputBody, toRunInput } from './upload-routes.ts';
import { evidenceProblems } from '../store/data-files.ts';

const startBody = z
  .object({
    flowId: z.string().min(1),
    input: runInputBody.optional(),
    settings: z.object({ concurrency: z.number().int().min(1).max(256).optional(), reprocess: z.boolean().optional() }).strict().optional(),
  })
  .strict();

const pageQuery = z.object({
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
const recordsQuery = pageQuery.extend({ status: z.enum(RECORD_STATUSES).optional() });
const eventsQuery = pageQuery.extend({ actor: z.enum(['engine', 'operator']).optional() });
const listQuery = z.object({ flowId: z.string().optional(), limit: z.coerce.number().int().min(1).max(1000).default(200) });

/** `dataDir` resolves `input.fileId` (an uploaded spreadsheet) to its file. */
export function runRoutes(engine: Engine, flows: FlowLibrary, store: Store, dataDir = ''): Router {
  const router = Router();

  router.post('/', async (req, res) => {
    const body = parseBody(startBody, req.body);
    const { flow } = await flows.get(body.flowId);
    const input = await toRunInput(dataDir, body.input, store);
    const run = await engine.startRun(flow, { input, concurrency: body.settings?.concurrency, reprocess: body.settings?.reprocess, upload: body.input?.fileId });
    res.status(201).json(await engine.summary(run.id));
  });

  router.get('/', async (req, res) => {
    const q = parseQuery(listQuery, req.query);
    const rows = await store.listRuns({ flowId: q.flowId, limit: q.limit });
    res.json(await Promise.all(rows.map((r) => engine.summary(r.id))));
  });

  router.get('/:id', async (req, res) => {
    const summary = await engine.summary(req.params.id);
    const row = await store.getRun(req.params.id);
    res.json({ ...summary, flow: row?.flow });
  });

  router.post('/:id/pause', async (req, res) => {
    res.json(await engine.pause(req.params.id));
  });
  router.post('/:id/resume', async (req, res) => {
    res.json(await engine.resume(req.params.id));
  });
  router.post('/:id/stop', async (req, res) => {
    res.json(await engine.stop(req.params.id));
  });

  router.get('/:id/records', async (req, res) => {
    const run = await runOrThrow(store, req.params.id);
    const q = parseQuery(recordsQuery, req.query);
    const page = await store.listRecords(req.params.id, q);
    // A record's time in the list is the flow's, as in the report: without its waits for a person
    // nor the time the run stood still (paused, interrupted) while it was under way.
    const waits = await reviewWaits(store, req.params.id, new Set(page.items.map((r) => r.index)));
    res.json({
      items: page.items.map((r) => {
        const waited = waits.byRecord.get(r.index) ?? 0;
        const halted = haltedWithin(run.halts, r.startedAt, r.endedAt);
        return { ...publicRecord(r), ...(waited > 0 ? { reviewWaitMs: waited } : {}), ...(halted > 0 ? { haltedMs: halted } : {}) };
      }),
      total: page.total,
      ...(waits.unreadable ? { timesUnsure: waits.unreadable } : {}),
    });
  });

  router.get('/:id/records/:index', async (req, res) => {
    const index = recordIndexParam.safeParse(req.params.index).data;
    const record = index === undefined ? null : await store.getRecord(req.params.id, index);
    if (!record || index === undefined) throw recordNotFound(req.params.id, index ?? req.params.index);
    const [steps, events] = await Promise.all([engine.recordSteps(record), store.listRecordEvents(req.params.id, index)]);
    const damagedEvidence = dataDir ? await evidenceProblems(dataDir, steps.flatMap((s) => s.evidence ?? []), store) : [];
    res.json({
      record: publicRecord(record),
      steps: steps.map(({ runId: _r, recordIndex: _i, ...s }) => s),
      events: events.map(({ runId: _r, recordIndex: _i, ...e }) => e),
      ...(damagedEvidence.length ? { damagedEvidence } : {}),
    });
  });

  router.get('/:id/events', async (req, res) => {
    await runOrThrow(store, req.params.id);
    const q = parseQuery(eventsQuery, req.query);
    const page = await store.listRunEvents(req.params.id, q);
    res.json({ total: page.total, items: page.items.map(({ runId: _r, ...e }) => e) });
  });

  router.get('/:id/groups', async (req, res) => {
    const groups = await engine.groups(req.params.id);
    res.json(groups ? { grouped: true, ...groups } : { grouped: false });
  });

  router.get('/:id/logs', async (req, res) => {
    await runOrThrow(store, req.params.id);
    const q = parseQuery(pageQuery, req.query);
    // Lines still buffered are written first: a client that joined the live room and then reads
    // the log misses none (later lines reach it live).
    await engine.flushLogs();
    res.json(await store.listLogs(req.params.id, q));
  });

  return router;
}

/** The run with this id, or 404 E_RUN_NOT_FOUND. */
export async function runOrThrow(store: Store, id: string): Promise<RunRow> {
  const row = await store.getRun(id);
  if (!row) throw new ConveyorError('E_RUN_NOT_FOUND', `There is no run ${id}.`, 'Check the run id, or open the runs list to find it.', 404);
  return row;
}

function publicRecord(r: RecordRow) {
  return { index: r.index, status: r.status, data: r.data, output: r.output, error: r.error, reason: r.reason, startedAt: r.startedAt, endedAt: r.endedAt };
}
