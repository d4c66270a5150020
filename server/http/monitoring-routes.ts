import { Router } from 'express';
import type { CredentialSource } from '../engine/credentials.ts';
import type { Engine } from '../engine/engine.ts';
import { ConveyorError } from '../errors.ts';
import { checkMailCredential, webhookSigningSecret } from '../monitoring/deliver.ts';
import type { Monitoring } from '../monitoring/monitoring.ts';
import { alertSettings, summarySettings } from '../contract/wire/monitoring-settings.ts';
import type { Store } from '../store/types.ts';
import { parseBody } from './parse.ts';

/**
 * Monitoring settings: a flow's alert rules (GET/PUT /api/flows/:id/alerts, a test message), the
 * install's daily summaries (GET/PUT /api/monitoring/summaries) and the executing runs' progress
 * as the watchdog sees it (GET /api/monitoring/runs). Bad input is refused and changes nothing.
 */
export function monitoringRoutes(monitoring: Monitoring, store: Store, vault: CredentialSource, engine: Engine): Router {
  const router = Router();

  const flowOr404 = async (id: string) => {
    const row = await store.getFlow(id);
    if (!row) throw new ConveyorError('E_FLOW_NOT_FOUND', `There is no flow "${id}".`, 'It may have been deleted: open the flow list to see the flows that exist.', 404);
    return row;
  };

  const alertView = async (flowId: string) => ({
    settings: await monitoring.state.alerts(flowId),
    firing: Object.entries(await monitoring.state.firing(flowId)).map(([ruleId, f]) => ({ ruleId, ...f })),
    deliveries: await monitoring.state.deliveries(flowId),
  });

  router.get('/flows/:id/alerts', async (req, res) => {
    await flowOr404(req.params.id);
    res.json(await alertView(req.params.id));
  });

  router.put('/flows/:id/alerts', async (req, res) => {
    await flowOr404(req.params.id);
    const settings = parseBody(alertSettings, req.body);
    if (settings.mail) await checkMailCredential(vault, settings.mail.credential);
    if (settings.webhook?.secret !== undefined) await webhookSigningSecret(vault, settings.webhook.secret);
    await monitoring.state.saveAlerts(req.params.id, settings);
    res.json(await alertView(req.params.id));
  });

  router.post('/flows/:id/alerts/test', async (req, res) => {
    const row = await flowOr404(req.params.id);
    const settings = await monitoring.state.alerts(row.id);
    if (!settings.mail && !settings.webhook) {
      throw new ConveyorError('E_ALERT_NO_CHANNEL', `The flow "${row.name}" has no alert mail or webhook saved, so there is nowhere to send a test.`, 'Set the mail recipients or the webhook address in the flow\'s Alerts section, save, then test again.', 422);
    }
    const deliveries = await monitoring.alerts.test(row.id, row.name, row.doc.settings?.allowHosts ?? [], settings);
    res.json({ deliveries });
  });

  router.get('/monitoring/summaries', async (_req, res) => {
    res.json({ ...(await monitoring.state.summaries()), deliveries: await monitoring.state.deliveries(null) });
  });

  router.put('/monitoring/summaries', async (req, res) => {
    const settings = parseBody(summarySettings, req.body);
    for (const s of settings.summaries) await checkMailCredential(vault, s.credential);
    await monitoring.state.saveSummaries(settings);
    res.json({ ...settings, deliveries: await monitoring.state.deliveries(null) });
  });

  router.get('/monitoring/runs', async (_req, res) => {
    res.json(await engine.runningRuns());
  });

  return router;
}
