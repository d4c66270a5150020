/**
 * The demo contact form: a three-page form (server-rendered HTML, no script) that the
 * "Contact form over several pages" example (flows/contact-form-multipage.json) fills. It is a
 * different page shape from the signup site: drop-down list, radio buttons, text area, consent
 * checkbox, Back/Edit buttons and a review page before the submission.
 *
 *   GET  /contact                   step 1: first_name, last_name, email, company → Next
 *   POST /contact                   checks the fields (re-shown with #error), keeps a draft, → /contact/details?draft=…
 *   GET  /contact/details?draft=…   step 2: topic (select), preferred (radio email/phone), message, consent → Back / Next
 *   POST /contact/details           Back → step 1 (filled in); Next checks, → /contact/review?draft=…
 *   GET  /contact/review?draft=…    step 3: everything entered (#review-email …) → Edit / Send
 *   POST /contact/review            Edit → step 1; Send submits once → /contact/done?draft=… (#reference CT-000123)
 *   GET  /api/contact/stats         { submissions, byEmail: { [email]: n } }
 *   POST /api/contact/reset         forgets drafts and submissions
 *   GET/POST /api/contact/faults    { slowMs, renamedField, refuseSend }
 *
 * The draft lives on the server; its id travels in the address and in a hidden field, so any
 * number of browsers can fill the form at once without sharing anything.
 */
import { randomUUID } from 'node:crypto';
import express, { type Request, type Response } from 'express';
import { listenApp, type Listening } from './listen.ts';

export interface ContactFaults {
  /** Every page answers this much later. */
  slowMs: number;
  /** The company field is called `organisation` (name and id) instead of `company`. */
  renamedField: boolean;
  /** Send is refused: the review page comes back with #error, nothing is submitted. */
  refuseSend: boolean;
}

export const noContactFaults = (): ContactFaults => ({ slowMs: 0, renamedField: false, refuseSend: false });

export const TOPICS = [
  { value: 'sales', label: 'Sales' },
  { value: 'support', label: 'Support' },
  { value: 'partnership', label: 'Partnership' },
] as const;

export interface ContactSiteOptions {
  faults?: Partial<ContactFaults>;
}

interface Draft {
  id: string;
  firstName: string;
  lastName: string;
  email: string;
  company: string;
  topic: string;
  preferred: string;
  message: string;
  consent: boolean;
  /** Set once sent. */
  reference?: string;
}

export interface ContactStats {
  submissions: number;
  byEmail: Record<string, number>;
}

export interface ContactSite {
  app: express.Express;
  faults: ContactFaults;
  stats(): ContactStats;
  reset(): void;
}

const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;

const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const page = (title: string, step: string, body: string): string =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>body{font-family:sans-serif;max-width:32rem;margin:3rem auto}label{display:block;margin:.6rem 0}input:not([type=radio]):not([type=checkbox]),select,textarea{display:block;width:100%;padding:.3rem}fieldset{margin:.6rem 0}#error{color:#b00}dt{font-weight:bold}.buttons{display:flex;gap:.5rem;margin-top:1rem}</style>
</head><body><p id="step">${escape(step)}</p><h1>${escape(title)}</h1>${body}</body></html>`;

const errorBlock = (error?: string): string => (error ? `<p id="error" role="alert">${escape(error)}</p>` : '');

export function createContactSite(options: ContactSiteOptions = {}): ContactSite {
  const faults: ContactFaults = { ...noContactFaults(), ...options.faults };
  const drafts = new Map<string, Draft>();
  const byEmail = new Map<string, number>();
  let submissions = 0;
  let lastReference = 0;

  const slow = async (): Promise<void> => {
    if (faults.slowMs > 0) await new Promise((r) => setTimeout(r, faults.slowMs));
  };
  const form = express.urlencoded({ extended: false });
  const json = express.json();
  const field = (req: Request, name: string): string => String(((req.body ?? {}) as Record<string, unknown>)[name] ?? '').trim();
  const draftOf = (id: unknown): Draft | undefined => (typeof id === 'string' ? drafts.get(id) : undefined);
  const missingDraft = (res: Response): void =>
    void res.status(404).type('html').send(page('Contact us', 'Contact form', `${errorBlock('This form has expired or does not exist.')}<a href="/contact" id="restart">Start again</a>`));

  const step1 = (d: Partial<Draft>, error?: string): string => {
    const company = faults.renamedField ? 'organisation' : 'company';
    return page(
      'Contact us',
      'Step 1 of 3: about you',
      `${errorBlock(error)}<form method="post" action="/contact" id="contact-form">
${d.id ? `<input type="hidden" name="draft" value="${escape(d.id)}">` : ''}
<label>First name <input name="first_name" id="first_name" autocomplete="given-name" value="${escape(d.firstName ?? '')}" required></label>
<label>Last name <input name="last_name" id="last_name" autocomplete="family-name" value="${escape(d.lastName ?? '')}" required></label>
<label>Email <input type="email" name="email" id="email" autocomplete="email" value="${escape(d.email ?? '')}" required></label>
<label>Company <input name="${company}" id="${company}" autocomplete="organization" value="${escape(d.company ?? '')}" required></label>
<div class="buttons"><button type="submit" id="next">Next</button></div>
</form>`,
    );
  };

  const step2 = (d: Draft, error?: string): string =>
    page(
      'Your message',
      'Step 2 of 3: your message',
      `${errorBlock(error)}<form method="post" action="/contact/details" id="details-form">
<input type="hidden" name="draft" value="${escape(d.id)}">
<label>Topic <select name="topic" id="topic" required><option value="">Choose…</option>${TOPICS.map((t) => `<option value="${t.value}"${d.topic === t.value ? ' selected' : ''}>${t.label}</option>`).join('')}</select></label>
<fieldset><legend>Preferred contact</legend>
<label><input type="radio" name="preferred" id="preferred-email" value="email"${d.preferred === 'email' ? ' checked' : ''} required> Email</label>
<label><input type="radio" name="preferred" id="preferred-phone" value="phone"${d.preferred === 'phone' ? ' checked' : ''}> Phone</label>
</fieldset>
<label>Message <textarea name="message" id="message" rows="5" required>${escape(d.message)}</textarea></label>
<label><input type="checkbox" name="consent" id="consent" value="yes"${d.consent ? ' checked' : ''} required> I agree to be contacted about this message.</label>
<div class="buttons"><button type="submit" name="action" value="back" id="back" formnovalidate>Back</button><button type="submit" name="action" value="next" id="next">Next</button></div>
</form>`,
    );

  const topicLabel = (value: string): string => TOPICS.find((t) => t.value === value)?.label ?? value;

  const step3 = (d: Draft, error?: string): string =>
    page(
      'Check and send',
      'Step 3 of 3: check and send',
      `${errorBlock(error)}<dl id="review">
<dt>Name</dt><dd id="review-name">${escape(`${d.firstName} ${d.lastName}`)}</dd>
<dt>Email</dt><dd id="review-email">${escape(d.email)}</dd>
<dt>Company</dt><dd id="review-company">${escape(d.company)}</dd>
<dt>Topic</dt><dd id="review-topic">${escape(topicLabel(d.topic))}</dd>
<dt>Preferred contact</dt><dd id="review-preferred">${escape(d.preferred)}</dd>
<dt>Message</dt><dd id="review-message">${escape(d.message)}</dd>
</dl>
<form method="post" action="/contact/review" id="review-form">
<input type="hidden" name="draft" value="${escape(d.id)}">
<div class="buttons"><button type="submit" name="action" value="edit" id="edit">Edit</button><button type="submit" name="action" value="send" id="send">Send</button></div>
</form>`,
    );

  const app = express();
  app.disable('x-powered-by');
  /** The next page of the draft (303: the browser fetches it with GET). */
  const goTo = (res: Response, path: string, draft: { id: string }) => res.redirect(303, `${path}?draft=${encodeURIComponent(draft.id)}`);

  app.get('/contact', async (req, res) => {
    await slow();
    res.type('html').send(step1(draftOf(req.query.draft) ?? {}));
  });

  app.post('/contact', form, async (req: Request, res: Response) => {
    await slow();
    const existing = draftOf(field(req, 'draft'));
    const entered = {
      firstName: field(req, 'first_name'),
      lastName: field(req, 'last_name'),
      email: field(req, 'email').toLowerCase(),
      company: field(req, faults.renamedField ? 'organisation' : 'company') || field(req, 'company') || field(req, 'organisation'),
    };
    const problems: string[] = [];
    if (!entered.firstName) problems.push('your first name');
    if (!entered.lastName) problems.push('your last name');
    if (!EMAIL.test(entered.email)) problems.push('a valid email address');
    if (!entered.company) problems.push('your company');
    if (problems.length) {
      res.status(422).type('html').send(step1({ ...entered, id: existing?.id }, `Please give ${problems.join(', ')}.`));
      return;
    }
    if (existing?.reference) {
      goTo(res, '/contact/done', existing);
      return;
    }
    const draft: Draft = existing ?? { id: randomUUID(), firstName: '', lastName: '', email: '', company: '', topic: '', preferred: '', message: '', consent: false };
    Object.assign(draft, entered);
    drafts.set(draft.id, draft);
    goTo(res, '/contact/details', draft);
  });

  app.get('/contact/details', async (req, res) => {
    await slow();
    const draft = draftOf(req.query.draft);
    if (!draft) return missingDraft(res);
    res.type('html').send(step2(draft));
  });

  app.post('/contact/details', form, async (req: Request, res: Response) => {
    await slow();
    const draft = draftOf(field(req, 'draft'));
    if (!draft) return missingDraft(res);
    if (draft.reference) {
      goTo(res, '/contact/done', draft);
      return;
    }
    draft.topic = field(req, 'topic');
    draft.preferred = field(req, 'preferred');
    draft.message = field(req, 'message');
    draft.consent = field(req, 'consent') === 'yes';
    if (field(req, 'action') === 'back') {
      goTo(res, '/contact', draft);
      return;
    }
    const problems: string[] = [];
    if (!TOPICS.some((t) => t.value === draft.topic)) problems.push('choose a topic');
    if (draft.preferred !== 'email' && draft.preferred !== 'phone') problems.push('choose how we should contact you');
    if (!draft.message) problems.push('write a message');
    if (!draft.consent) problems.push('agree to be contacted');
    if (problems.length) {
      res.status(422).type('html').send(step2(draft, `Please ${problems.join(', ')}.`));
      return;
    }
    goTo(res, '/contact/review', draft);
  });

  app.get('/contact/review', async (req, res) => {
    await slow();
    const draft = draftOf(req.query.draft);
    if (!draft) return missingDraft(res);
    res.type('html').send(step3(draft));
  });

  app.post('/contact/review', form, async (req: Request, res: Response) => {
    await slow();
    const draft = draftOf(field(req, 'draft'));
    if (!draft) return missingDraft(res);
    if (draft.reference) {
      // Sent already (a second click, the back button): the same reference, nothing sent again.
      goTo(res, '/contact/done', draft);
      return;
    }
    if (field(req, 'action') === 'edit') {
      goTo(res, '/contact', draft);
      return;
    }
    if (faults.refuseSend) {
      res.status(503).type('html').send(step3(draft, 'We cannot take messages right now. Please try again later.'));
      return;
    }
    submissions++;
    byEmail.set(draft.email, (byEmail.get(draft.email) ?? 0) + 1);
    draft.reference = `CT-${String(++lastReference).padStart(6, '0')}`;
    goTo(res, '/contact/done', draft);
  });

  app.get('/contact/done', async (req, res) => {
    await slow();
    const draft = draftOf(req.query.draft);
    if (!draft?.reference) return missingDraft(res);
    res
      .type('html')
      .send(
        page(
          'Thank you',
          'Sent',
          `<p id="thanks">Thank you, ${escape(draft.firstName)}. We will get back to you at ${escape(draft.email)}.</p><p>Your reference: <strong id="reference">${draft.reference}</strong></p><a href="/contact">Send another message</a>`,
        ),
      );
  });

  const stats = (): ContactStats => ({ submissions, byEmail: Object.fromEntries(byEmail) });
  const reset = (): void => {
    drafts.clear();
    byEmail.clear();
    submissions = 0;
  };
  app.get('/api/contact/stats', (_req, res) => void res.json(stats()));
  app.post('/api/contact/reset', (_req, res) => {
    reset();
    res.json(stats());
  });
  app.get('/api/contact/faults', (_req, res) => void res.json(faults));
  app.post('/api/contact/faults', json, (req, res) => {
    const body = (req.body ?? {}) as Partial<Record<keyof ContactFaults, unknown>>;
    if (typeof body.slowMs === 'number' && Number.isFinite(body.slowMs) && body.slowMs >= 0 && body.slowMs <= 60_000) faults.slowMs = body.slowMs;
    if (typeof body.renamedField === 'boolean') faults.renamedField = body.renamedField;
    if (typeof body.refuseSend === 'boolean') faults.refuseSend = body.refuseSend;
    res.json(faults);
  });

  return { app, faults, stats, reset };
}

/** Starts the site on host:port (0 = a free port); returns its URL and a close function. */
export function listenContactSite(site: ContactSite, port = 0, host = '127.0.0.1'): Promise<Listening> {
  return listenApp(site.app, port, host);
}
