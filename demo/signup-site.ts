/**
 * The demo signup site: a small Express app where a person signs up with first name, last name and
 * email, receives a 6-digit one-time code by mail and types it in to finish. It is what the
 * "Signup with an email code" template (flows/signup-with-email-code.json) automates.
 *
 *   GET  /signup            form: first_name, last_name, email
 *   POST /signup            records the attempt, mails a code, shows /confirm?email=…
 *   GET  /confirm?email=…   form: code
 *   POST /confirm           right code → /welcome (#welcome "Welcome, <first name>!"); wrong → #error
 *   GET  /api/stats         { signups: { [email]: n }, attempts: { [email]: n } }
 *   GET/POST /api/faults    { slowMs, error500Rate, renamedField, lateMailMs, wrongCodeRate, refuseExisting }
 *
 * Mail: every code is appended (IMAP APPEND) to ONE catch-all Dovecot mailbox (`catchall` by default),
 * whatever the address: mail.wait-for-code reads one mailbox per credential and filters by To.
 * Randomness (codes, faults) is derived from a seed and the address, so runs are reproducible.
 */
import { createHash } from 'node:crypto';
import express, { type Request, type Response } from 'express';
import { rfc822, type Dovecot } from './dovecot.ts';
import { listenApp, type Listening } from './listen.ts';
import { pageWeightBanner, pageWeightHead, pageWeightRoutes, type PageWeight } from './page-weight.ts';

export const DEMO_SENDER = 'codes@demo.conveyor.local';
export const DEMO_PASSWORD = 'demo';
export const CATCH_ALL = 'catchall';

export interface Faults {
  /** Every page answers this much later. */
  slowMs: number;
  /** Share (0…1) of POST /signup answered with HTTP 500 (nothing mailed, nothing kept but the attempt). */
  error500Rate: number;
  /** The email field is called `e_mail` instead of `email`. */
  renamedField: boolean;
  /** The code mail is delivered this much after the confirm page is shown. */
  lateMailMs: number;
  /** Share (0…1) of code mails that carry a wrong code. */
  wrongCodeRate: number;
  /** An address that already finished signing up is refused ("An account already exists…"), as real sites do. */
  refuseExisting: boolean;
}

export const noFaults = (): Faults => ({ slowMs: 0, error500Rate: 0, renamedField: false, lateMailMs: 0, wrongCodeRate: 0, refuseExisting: false });

export interface SignupSiteOptions {
  dovecot: Dovecot;
  /** The mailbox user every code is delivered to (created on first use, password DEMO_PASSWORD). */
  mailbox?: string;
  password?: string;
  seed?: string;
  faults?: Partial<Faults>;
  /** Pages load a logo, a hero picture and a heading font, each after this latency (none by default). */
  pageWeight?: PageWeight;
}

export interface SignupSite {
  app: express.Express;
  faults: Faults;
  stats(): { signups: Record<string, number>; attempts: Record<string, number> };
  /** Mail deliveries still under way (late mail). */
  idle(): Promise<void>;
}

const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A page of the site; `weight`: with what a real signup page loads besides its form (page-weight.ts). */
const pageOf = (weight: PageWeight | undefined) => (title: string, body: string): string =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>body{font-family:sans-serif;max-width:28rem;margin:3rem auto}label{display:block;margin:.6rem 0}input{display:block;width:100%;padding:.3rem}#error{color:#b00}</style>
${weight ? pageWeightHead() : ''}</head><body>${weight ? pageWeightBanner() : ''}<h1>${escape(title)}</h1>${body}</body></html>`;

export function createSignupSite(options: SignupSiteOptions): SignupSite {
  const { dovecot } = options;
  const mailbox = options.mailbox ?? CATCH_ALL;
  const password = options.password ?? DEMO_PASSWORD;
  const seed = options.seed ?? 'conveyor-demo';
  const faults: Faults = { ...noFaults(), ...options.faults };
  const page = pageOf(options.pageWeight);
  const attempts = new Map<string, number>();
  const signups = new Map<string, number>();
  const pending = new Map<string, { code: string; firstName: string }>();
  const users = new Set<string>();
  const inFlight = new Set<Promise<void>>();
  let userLock: Promise<void> = Promise.resolve();

  /** A number in [0, 1) fixed by the seed and the key. */
  const rand = (...key: Array<string | number>): number => createHash('sha256').update([seed, ...key].join('\u0000')).digest().readUInt32BE(0) / 2 ** 32;

  const ensureUser = (user: string): Promise<void> => {
    if (users.has(user)) return userLock;
    users.add(user);
    userLock = userLock.then(() => dovecot.addUser(user, password));
    return userLock;
  };

  const mail = async (to: string, code: string): Promise<void> => {
    await ensureUser(mailbox);
    const text = `Hello,\n\nYour one-time code: ${code}\n\nIt confirms your signup at the Conveyor demo site.\n`;
    await dovecot.deliver(mailbox, rfc822({ from: `Demo signup <${DEMO_SENDER}>`, to, subject: 'Your code', text, messageId: `<${Date.now()}.${rand(to, code, Math.random()).toString(36).slice(2)}@demo.conveyor.local>` }));
  };

  const slow = async (): Promise<void> => {
    if (faults.slowMs > 0) await new Promise((r) => setTimeout(r, faults.slowMs));
  };

  const app = express();
  app.disable('x-powered-by');
  app.use(express.urlencoded({ extended: false }));
  app.use(express.json());

  app.get('/', (_req, res) => void res.redirect('/signup'));
  if (options.pageWeight) app.use(pageWeightRoutes(options.pageWeight));

  /** The signup form; `refusal` is the site's message when it turned the last attempt down. */
  const signupForm = (refusal?: string): string => {
    const emailName = faults.renamedField ? 'e_mail' : 'email';
    return page(
      'Sign up',
      `${refusal ? `<div class="notice notice--error" role="alert">${escape(refusal)}</div>` : ''}<form method="post" action="/signup" id="signup-form">
<label>First name <input name="first_name" id="first_name" autocomplete="given-name" required></label>
<label>Last name <input name="last_name" id="last_name" autocomplete="family-name" required></label>
<label>Email <input type="email" name="${emailName}" id="${emailName}" autocomplete="email" required></label>
<button type="submit" id="signup-submit">Sign up</button>
</form>`,
    );
  };

  app.get('/signup', async (_req, res) => {
    await slow();
    res.type('html').send(signupForm());
  });

  app.post('/signup', async (req: Request, res: Response) => {
    await slow();
    const body = (req.body ?? {}) as Record<string, string | undefined>;
    const email = String(body.email ?? body.e_mail ?? '').trim().toLowerCase();
    const firstName = String(body.first_name ?? '').trim();
    if (!/^[^\s@<>]+@[^\s@<>]+$/.test(email) || !firstName) {
      res.status(400).type('html').send(page('Sign up', '<p id="error">Please give your first name and a valid email address.</p><a href="/signup">Back</a>'));
      return;
    }
    const attempt = (attempts.get(email) ?? 0) + 1;
    attempts.set(email, attempt);
    if (faults.refuseExisting && signups.has(email)) {
      res.status(409).type('html').send(signupForm('An account already exists for this address. Sign in instead.'));
      return;
    }
    if (faults.error500Rate > 0 && rand(email, attempt, '500') < faults.error500Rate) {
      res.status(500).type('html').send(page('Something went wrong', '<p id="error">Internal server error. Please try again later.</p>'));
      return;
    }
    const code = String(Math.floor(rand(email, attempt, 'code') * 900_000) + 100_000);
    pending.set(email, { code, firstName });
    const wrong = faults.wrongCodeRate > 0 && rand(email, attempt, 'wrong') < faults.wrongCodeRate;
    const mailed = wrong ? String(((Number(code) - 100_000 + 1 + Math.floor(rand(email, attempt, 'delta') * 899_998)) % 900_000) + 100_000) : code;
    const delivery = (async () => {
      if (faults.lateMailMs > 0) await new Promise((r) => setTimeout(r, faults.lateMailMs));
      await mail(email, mailed);
    })();
    if (faults.lateMailMs > 0) {
      const tracked = delivery.catch((err: unknown) => console.error(`demo: could not deliver the code to ${email}: ${String(err)}`));
      inFlight.add(tracked);
      void tracked.finally(() => inFlight.delete(tracked));
    } else {
      try {
        await delivery;
      } catch (err) {
        res.status(500).type('html').send(page('Something went wrong', `<p id="error">The code could not be mailed: ${escape(String(err))}</p>`));
        return;
      }
    }
    res.redirect(303, `/confirm?email=${encodeURIComponent(email)}`);
  });

  const confirmForm = (email: string, error?: string): string =>
    page(
      'Check your mail',
      `${error ? `<p id="error">${escape(error)}</p>` : ''}<p id="confirm-intro">We mailed a 6-digit code to <b>${escape(email)}</b>.</p>
<form method="post" action="/confirm" id="confirm-form">
<input type="hidden" name="email" value="${escape(email)}">
<label>Code <input name="code" id="code" inputmode="numeric" autocomplete="one-time-code" required></label>
<button type="submit" id="confirm-submit">Confirm</button>
</form>`,
    );

  app.get('/confirm', async (req, res) => {
    await slow();
    res.type('html').send(confirmForm(String(req.query.email ?? '')));
  });

  app.post('/confirm', async (req: Request, res: Response) => {
    await slow();
    const body = (req.body ?? {}) as Record<string, string | undefined>;
    const email = String(body.email ?? '').trim().toLowerCase();
    const code = String(body.code ?? '').trim();
    const wanted = pending.get(email);
    if (!wanted || wanted.code !== code) {
      res.status(200).type('html').send(confirmForm(email, wanted ? 'That code is not right. Check the latest mail and try again.' : 'No signup is waiting for this address.'));
      return;
    }
    pending.delete(email);
    signups.set(email, (signups.get(email) ?? 0) + 1);
    res.redirect(303, `/welcome?name=${encodeURIComponent(wanted.firstName)}`);
  });

  app.get('/welcome', async (req, res) => {
    await slow();
    res.type('html').send(page('Welcome', `<p id="welcome">Welcome, ${escape(String(req.query.name ?? ''))}!</p>`));
  });

  const stats = () => ({ signups: Object.fromEntries(signups), attempts: Object.fromEntries(attempts) });
  app.get('/api/stats', (_req, res) => void res.json(stats()));
  app.get('/api/faults', (_req, res) => void res.json(faults));
  app.post('/api/faults', (req, res) => {
    const body = (req.body ?? {}) as Partial<Record<keyof Faults, unknown>>;
    const num = (v: unknown, max: number): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= max ? v : undefined);
    faults.slowMs = num(body.slowMs, 60_000) ?? faults.slowMs;
    faults.error500Rate = num(body.error500Rate, 1) ?? faults.error500Rate;
    faults.lateMailMs = num(body.lateMailMs, 600_000) ?? faults.lateMailMs;
    faults.wrongCodeRate = num(body.wrongCodeRate, 1) ?? faults.wrongCodeRate;
    if (typeof body.renamedField === 'boolean') faults.renamedField = body.renamedField;
    if (typeof body.refuseExisting === 'boolean') faults.refuseExisting = body.refuseExisting;
    res.json(faults);
  });

  return {
    app,
    faults,
    stats,
    idle: async () => void (await Promise.all([...inFlight])),
  };
}

/** Starts the site on host:port (0 = a free port); returns its URL and a close function. */
export function listenSignupSite(site: SignupSite, port = 0, host = '127.0.0.1'): Promise<Listening> {
  return listenApp(site.app, port, host, () => site.idle());
}
