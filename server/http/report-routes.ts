import { Router } from 'express';
import type { Store } from '../store/types.ts';
import { buildReport } from '../report/build-report.ts';
import { reportToXlsx } from '../report/report-xlsx.ts';

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Run reports (docs/api.md, "Report"); mounted at /api/runs. */
export function reportRoutes(store: Store): Router {
  const router = Router();

  router.get('/:id/report', async (req, res) => {
    res.json(await buildReport(store, req.params.id));
  });

  router.get('/:id/report.xlsx', async (req, res) => {
    const report = await buildReport(store, req.params.id);
    const file = await reportToXlsx(store, report);
    const name = `report-${report.runId.replace(/[^A-Za-z0-9_.-]/g, '_')}.xlsx`;
    res.setHeader('Content-Type', XLSX_TYPE);
    res.setHeader('Content-Disposition', `attachment; filename="${name}"`);
    res.setHeader('Cache-Control', 'no-store');
    res.send(file);
  });

  return router;
}
