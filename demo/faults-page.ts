/**
 * A small page of the demo site to switch its faults from a browser (GET/POST /faults), next to the
 * JSON routes (/api/faults, /api/contact/faults) the tests and curl use. Plain HTML form, no script.
 */
import express, { type Request } from 'express';
import type { ContactFaults, ContactSite } from './contact-site.ts';
import type { Faults, SignupSite } from './signup-site.ts';

const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

interface Field {
  site: 'signup' | 'contact';
  key: string;
  label: string;
  kind: 'bool' | 'ms' | 'rate';
  max: number;
}

const FIELDS: Field[] = [
  { site: 'signup', key: 'slowMs', label: 'Every page answers this much later (ms)', kind: 'ms', max: 60_000 },
  { site: 'signup', key: 'error500Rate', label: 'Share of sign-ups answered with a 500 error (0 to 1)', kind: 'rate', max: 1 },
  { site: 'signup', key: 'renamedField', label: 'The email field is renamed (e_mail): selectors break', kind: 'bool', max: 1 },
  { site: 'signup', key: 'lateMailMs', label: 'The code mail arrives this much later (ms)', kind: 'ms', max: 600_000 },
  { site: 'signup', key: 'wrongCodeRate', label: 'Share of mails carrying a wrong code (0 to 1)', kind: 'rate', max: 1 },
  { site: 'signup', key: 'refuseExisting', label: 'An address that already signed up is refused', kind: 'bool', max: 1 },
  { site: 'contact', key: 'slowMs', label: 'Every page answers this much later (ms)', kind: 'ms', max: 60_000 },
  { site: 'contact', key: 'renamedField', label: 'The company field is renamed (organisation)', kind: 'bool', max: 1 },
  { site: 'contact', key: 'refuseSend', label: 'Send is refused (the review page shows an error)', kind: 'bool', max: 1 },
];

export function createFaultsPage(sites: { signup: SignupSite; contact: ContactSite }): express.Express {
  const app = express();
  const faultsOf = (site: Field['site']): Record<string, number | boolean> => (site === 'signup' ? (sites.signup.faults as unknown as Record<string, number | boolean>) : (sites.contact.faults as unknown as Record<string, number | boolean>));

  const render = (saved: boolean): string => {
    const section = (site: Field['site'], title: string, href: string) =>
      `<fieldset><legend>${title} (<a href="${href}">${href}</a>)</legend>${FIELDS.filter((f) => f.site === site)
        .map((f) => {
          const name = `${site}.${f.key}`;
          const value = faultsOf(site)[f.key];
          return f.kind === 'bool'
            ? `<label><input type="checkbox" name="${name}" id="${name}" ${value ? 'checked' : ''}> ${escape(f.label)}</label>`
            : `<label for="${name}">${escape(f.label)} <input type="number" name="${name}" id="${name}" min="0" max="${f.max}" step="${f.kind === 'rate' ? '0.05' : '100'}" value="${escape(String(value))}"></label>`;
        })
        .join('')}</fieldset>`;
    return `<!doctype html><html><head><meta charset="utf-8"><title>Demo faults</title>
<style>body{font-family:sans-serif;max-width:40rem;margin:2rem auto}fieldset{margin:1rem 0;padding:.5rem 1rem}label{display:block;margin:.5rem 0}input[type=number]{width:7rem;margin-left:.5rem}.saved{color:#070}</style>
</head><body><h1>Demo faults</h1><p>Switch on what should go wrong, then run the flow again and watch its records go to review.</p>
${saved ? '<p class="saved" id="saved">Saved: the sites behave this way from now on.</p>' : ''}
<form method="post" action="/faults">${section('signup', 'Signup site', '/signup')}${section('contact', 'Contact form', '/contact')}
<button type="submit" id="save">Save</button> <button type="submit" name="reset" value="1" id="reset">No faults</button></form></body></html>`;
  };

  app.get('/faults', (req, res) => void res.type('html').send(render(req.query.saved === '1')));
  app.post('/faults', express.urlencoded({ extended: false, limit: '16kb' }), (req: Request, res) => {
    const body = (req.body ?? {}) as Record<string, string>;
    const reset = body.reset === '1';
    for (const f of FIELDS) {
      const target = faultsOf(f.site);
      const raw = body[`${f.site}.${f.key}`];
      if (f.kind === 'bool') target[f.key] = !reset && raw !== undefined;
      else {
        const n = Number(raw);
        if (reset) target[f.key] = 0;
        else if (raw !== undefined && raw !== '' && Number.isFinite(n) && n >= 0 && n <= f.max) target[f.key] = n;
      }
    }
    res.redirect(303, '/faults?saved=1');
  });
  return app;
}

export type { ContactFaults, Faults };
