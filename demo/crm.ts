/**
 * A tiny demo CRM on the demo site, for the payment example (flows/payment-webhook.json): the flow
 * "marks the lead paid" by posting the payment here, and a person sees it at /crm. Every accepted
 * call is kept as it came (no de-duplication here on purpose), so a payment the studio processed twice
 * would show twice — the Webhook trigger's replay check is what keeps it to one.
 *
 *   POST /api/crm/payments   { eventId, email, amount, currency?, leadId? }   → 201 { lead }
 *   GET  /api/crm/leads      [{ email, paid, payments: [{ eventId, amount, currency, leadId, at }] }]
 *   GET  /crm                the same as an HTML table
 */
import express, { type Express } from 'express';
import { z } from 'zod';

const paymentSchema = z
  .object({
    eventId: z.string().trim().min(1, 'is required').max(200),
    email: z.string().trim().toLowerCase().email('must be an email address'),
    amount: z.number().int().min(1).max(10_000_000),
    currency: z.string().trim().min(3).max(3).default('eur'),
    leadId: z.string().trim().max(200).optional(),
  })
  .strict();

export interface CrmPayment {
  eventId: string;
  amount: number;
  currency: string;
  leadId: string | null;
  at: string;
}

export interface CrmLead {
  email: string;
  paid: boolean;
  payments: CrmPayment[];
}

export interface DemoCrm {
  app: Express;
  leads: Map<string, CrmLead>;
}

const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function createCrm(): DemoCrm {
  const leads = new Map<string, CrmLead>();
  const app = express();
  app.post('/api/crm/payments', express.json({ limit: '16kb' }), (req, res) => {
    const input = paymentSchema.safeParse(req.body ?? {});
    if (!input.success) {
      const problems = input.error.issues.map((i) => `${i.path.join('.') || 'body'} ${i.message}`).join('; ');
      res.status(422).json({ error: { code: 'E_DEMO_CRM_INPUT', message: `The payment to record is not valid: ${problems}.`, hint: 'Send { "eventId": "evt_…", "email": "lead@example.com", "amount": 4900 } (amount in cents).' } });
      return;
    }
    const p = input.data;
    const lead = leads.get(p.email) ?? { email: p.email, paid: false, payments: [] };
    lead.paid = true;
    lead.payments.push({ eventId: p.eventId, amount: p.amount, currency: p.currency, leadId: p.leadId ?? null, at: new Date().toISOString() });
    leads.set(p.email, lead);
    res.status(201).json({ lead });
  });
  app.get('/api/crm/leads', (_req, res) => {
    res.json([...leads.values()]);
  });
  app.get('/crm', (_req, res) => {
    const rows = [...leads.values()]
      .map((l) => `<tr data-email="${escape(l.email)}"><td>${escape(l.email)}</td><td>${l.paid ? 'paid' : 'not paid'}</td><td class="payments">${l.payments.length}</td><td>${l.payments.map((p) => `${escape(p.eventId)} (${(p.amount / 100).toFixed(2)} ${escape(p.currency)})`).join('<br>')}</td></tr>`)
      .join('\n');
    res.type('html').send(`<!doctype html><html><head><meta charset="utf-8"><title>Demo CRM</title></head><body>
<h1>Demo CRM: leads marked paid</h1>
<table><thead><tr><th>Email</th><th>Status</th><th>Payments</th><th>Events</th></tr></thead>
<tbody>${rows || '<tr><td colspan="4">No payment recorded yet.</td></tr>'}</tbody></table>
</body></html>`);
  });
  return { app, leads };
}
