/**
 * The tailored page a lead pipeline mail links to (flows/lead-pipeline.json): `GET /welcome?name=…&headline=…`
 * shows the AI-written headline for that business. It stands in for the landing page a team would
 * publish per lead; the mail's tracked link goes through the studio first (a click is recorded), then here.
 */
import express, { type Express } from 'express';

const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const text = (v: unknown, max: number): string => (typeof v === 'string' ? v.trim().slice(0, max) : '');

export function createLandingPage(): { app: Express; stats: { views: number } } {
  const stats = { views: 0 };
  const app = express();
  app.get('/welcome', (req, res) => {
    stats.views++;
    const name = text(req.query.name, 200);
    const headline = text(req.query.headline, 500) || `Welcome${name ? `, ${name}` : ''}`;
    res.type('html').send(`<!doctype html><html><head><meta charset="utf-8"><title>${escape(headline)}</title></head><body>
<h1 class="headline">${escape(headline)}</h1>
${name ? `<p class="for">A page for ${escape(name)}.</p>` : ''}
</body></html>`);
  });
  return { app, stats };
}
