import { Router } from 'express';
import { z } from 'zod';
import { scheduleParams } from '../../nodes/schedule/trigger.ts';
import { nextTimes } from '../../nodes/schedule/times.ts';
import { NodeError } from '../contract/node-error.ts';
import type { Scheduler } from '../scheduler/scheduler.ts';
import { ConveyorError } from '../errors.ts';
import { parseBody } from './parse.ts';

const switchBody = z.object({ enabled: z.boolean() }).strict();
const previewBody = z.object({ params: z.record(z.string(), z.unknown()).default({}) }).strict();

/** Schedules: the list with next times, the on/off switch, and the inspector's preview. */
export function scheduleRoutes(scheduler: Scheduler): Router {
  const router = Router();

  router.get('/schedules', async (_req, res) => {
    res.json(await scheduler.list());
  });

  router.post('/schedules/preview', (req, res) => {
    const { params } = parseBody(previewBody, req.body);
    const parsed = scheduleParams.safeParse(params);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
      throw new ConveyorError('E_SCHEDULE_INVALID', `${where}${issue.message}`, 'Correct the Schedule trigger\'s settings: a cron expression of 5 or 6 fields such as "0 9 * * 1-5", an IANA time zone such as Europe/Paris, an interval of at least 0.1 seconds.', 422, {
        problems: parsed.error.issues.map((i) => ({ path: `$.params.${i.path.join('.')}`, message: i.message })),
      });
    }
    try {
      res.json({ next: nextTimes(parsed.data, new Date(), 5).map((d) => d.toISOString()) });
    } catch (err) {
      if (err instanceof NodeError) throw new ConveyorError(err.code, err.message, err.hint, 422);
      throw err;
    }
  });

  router.put('/flows/:id/schedule', async (req, res) => {
    const { enabled } = parseBody(switchBody, req.body);
    res.json(await scheduler.setEnabled(req.params.id, enabled));
  });

  return router;
}
