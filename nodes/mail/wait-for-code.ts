import type { ImapFlow, MessageStructureObject, FetchMessageObject } from 'imapflow';
import { z } from 'zod';
import { defineNode, out } from '../sdk/define-node.ts';
import { NodeError } from '../../server/contract/node-error.ts';
import { credentialParam } from '../sdk/credentials.ts';
import { abortError } from '../sdk/abort.ts';
import { fieldName } from '../sdk/fields.ts';
import { renderTemplate } from '../../server/contract/expression/template.ts';
import { LinearRegExp } from '../../server/contract/expression/linear-regex.ts';
import { accountKey, imapError, mailCredential, type MailServer } from './lib/connect.ts';
import { FolderSession, type SessionMember } from './lib/folder-session.ts';
import { addressedTo, addressKey, toOrCc } from './lib/address.ts';
import { junkMail } from './lib/junk.ts';
import { endOfWait, type Seen } from './lib/end-of-wait.ts';
import { arrivedAfter, readMark, type MailMark } from './lib/mark.ts';
import { htmlToText } from './lib/html-text.ts';
import { dropInvisible } from '../sdk/invisible.ts';
import { bodyText } from '../sdk/text-body.ts';
import { joinSpacedDigits } from './lib/spaced-code.ts';
import { asciiDigits } from './lib/ascii-digits.ts';
import { readDefaultCode, namedLetteredCode, type ReadCode } from './lib/default-code.ts';
import { confirmationLink, htmlLinks, plainLinks, type MailLink } from './lib/mail-links.ts';

/** The keyword set on a message whose code was used, so no later run picks it again. */
export const USED_KEYWORD = '$ConveyorUsed';
/** Tolerance for the mail server's (and the sender's) clock against ours, applied to codeRequestedAt. */
export const CLOCK_SKEW_MS = 5_000;
/** The log's warning when the server closed the session and the wait connects again (folder-session.ts). */
const RECONNECTING = 'the mail server closed the connection during the wait: connecting again';
/** At most this much of a message's text is read to look for the code. */
const MAX_TEXT = 1_000_000;
const ADDRESS = /^[^\s@<>]+@[^\s@<>]+$/;
const SENDER_ENTRY = /^(?:[^\s@<>]+@[^\s@<>]+|@[^\s@<>]+)$/;
/** The Code pattern's default: with it, the code is read as default-code.ts says; a pattern the user wrote is applied as written. */
export const DEFAULT_PATTERN = '\\b(\\d{4,8})\\b';

const params = z.object({
  credential: credentialParam('imap', 'The mailbox (IMAP credential) that receives the codes, e.g. a catch-all test inbox.'),
  mailbox: z.string().trim().min(1, 'Name the folder, e.g. INBOX.').default('INBOX').describe('The folder to watch.').meta({ title: 'Folder' }),
  recipient: z
    .string()
    .trim()
    .default('{{ email }}')
    .describe("The address the code was sent to: the record's address, e.g. {{ email }}. Only mail to this address (To or Cc) counts.")
    .meta({ title: 'Recipient', widget: 'template' }),
  senders: z
    .array(z.string().trim().toLowerCase().regex(SENDER_ENTRY, 'Write an address (no-reply@example.com) or a domain starting with @ (@example.com).'))
    .default([])
    .describe('Who may send the code: addresses (no-reply@example.com) or whole domains (@example.com, which takes its subdomains too, e.g. mail.example.com). Mail from anyone else is ignored. Empty: any sender.')
    .meta({ title: 'Allowed senders' }),
  pattern: z
    .string()
    .default(DEFAULT_PATTERN)
    .refine((p) => compile(p) !== null, 'Write a valid regular expression with one group in parentheses around the code, e.g. code: (\\d{6}).')
    .describe('A regular expression finding the code in the message (its text, then its subject); the part in the first parentheses is the code. Default: the first number of 4 to 8 digits (or a code in groups, 123 456) next to a word such as "code", "verification" or "PIN", else the first one.')
    .meta({ title: 'Code pattern', syntax: 'regex' }),
  readFrom: z
    .enum(['both', 'html', 'plain'])
    .default('both')
    .describe(
      'For a mail with both a plain-text and an HTML part. both: the code is read from each, and when they give two different codes the step stops (E_MAIL_CODES_DIFFER) rather than guess. html: the HTML part, what mail programs show (the plain-text part when it has none). plain: the plain-text part (the HTML part when it has none).',
    )
    .meta({ title: 'Read the code from' }),
  take: z
    .enum(['code', 'link'])
    .default('code')
    .describe('code: the one-time code, as the Code pattern says. link: the link the mail asks to follow — "Confirm your email", a magic sign-in link, a password reset — read from its buttons and links; unsubscribe, terms, help and social links are never taken. A Browser: open page step after this one opens it ({{ code }}, or the field named below).')
    .meta({ title: 'Take' }),
  linkPattern: z
    .string()
    .default('')
    .refine((p) => p === '' || compileAny(p) !== null, 'Write a valid regular expression, e.g. /verify\\?token= or ^https://accounts\\.example\\.com/.')
    .describe('With Take = link, for a mail with several links that name no action: a regular expression the link\'s address must match (e.g. /verify\\?token=). Empty: the link named confirm, verify, activate, sign in… (or the only one).')
    .meta({ title: 'Link pattern', syntax: 'regex' }),
  field: fieldName('code').describe('The field that receives the code (or the link).').meta({ title: 'Store the code in' }),
  markField: fieldName('mailMark')
    .describe(
      'The record field holding the mark a "Mark the mailbox" step took just before the code was requested. Only mail that reached the mailbox after the mark counts, in the mail server\'s own arrival order (no clock is asked). The surest way to never take an older code.',
    )
    .meta({ title: 'Mailbox mark field' }),
  requestedAtField: fieldName('codeRequestedAt')
    .describe(
      'Without a mailbox mark: the record field holding when the code was requested (ISO time). Only mail received after that moment (less 5 seconds for clocks that differ) counts. Clocks can disagree: prefer a mailbox mark.',
    )
    .meta({ title: 'Requested-at field' }),
  lookbackMs: z
    .number()
    .int()
    .min(0)
    .max(3_600_000)
    .default(30_000)
    .describe('When the record has neither a mailbox mark nor a requested-at field: mail received up to this long before this step started still counts (30000 = 30 seconds).')
    .meta({ title: 'Look back (ms)' }),
  timeoutMs: z
    .number()
    .int('Use a whole number of milliseconds.')
    .min(100)
    .max(900_000)
    .default(60_000)
    .describe('How long to wait for the mail, in milliseconds (60000 = one minute).')
    .meta({ title: 'Wait at most (ms)' }),
  pollMs: z
    .number()
    .int()
    .min(100)
    .max(60_000)
    .default(2_000)
    .describe('How often to look again while waiting, in milliseconds (new mail announced by the server is seen at once).')
    .meta({ title: 'Check every (ms)' }),
});

type Params = z.infer<typeof params>;

/**
 * Per run and folder: codes already handed out, a lock so two records never claim the same one (the
 * waits look one at a time), and the session they share (folder-session.ts).
 */
interface MailboxState {
  used: Set<string>;
  tail: Promise<unknown>;
  session: FolderSession;
}

/** Which mail may hold the code: after a mailbox mark (arrival order), or after a moment (clocks). */
type Window = { mark: MailMark; since?: undefined } | { mark?: undefined; since: Date };

interface Found {
  code: string;
  uid: number;
  from: string;
  subject: string;
  receivedAt: string;
}

export const waitForCode = defineNode({
  type: 'mail.wait-for-code',
  title: 'Wait for mailed code',
  category: 'Network',
  description: 'Waits for a one-time code — or a confirmation link — mailed to the record’s address (sign-up, 2FA, magic link) and stores it in the record.',
  icon: 'mail-search',
  params,
  credentials: [{ name: 'credential', kind: 'imap' }],
  // Marks the message used (a keyword): repeating the step never hands the same code out twice.
  effect: 'idempotent',
  async run(ctx) {
    const startedAt = Date.now();
    const p = ctx.params;
    const recipient = (await renderTemplate(p.recipient, ctx.input, 'the recipient')).trim().toLowerCase();
    if (!ADDRESS.test(recipient)) {
      throw new NodeError(
        'E_MAIL_RECIPIENT_INVALID',
        `The recipient ${JSON.stringify(recipient)} is not an email address.`,
        "Check the Recipient setting and the record's address field (e.g. {{ email }}).",
      );
    }
    const reader = codeReader(p.pattern);
    const server = await mailCredential(ctx, p.credential, 'imap');
    const mark = readMark(ctx.input[p.markField], p.markField, server, p.mailbox);
    // With a mark, arrival order decides and no clock is asked; without one, the time window does.
    const window: Window = mark ? { mark } : { since: windowStart(ctx.input[p.requestedAtField], p.requestedAtField, startedAt, p.lookbackMs) };
    const state = await ctx.resources.run.get<MailboxState>(
      `mail.wait-for-code:${accountKey(server)}:${p.mailbox}`,
      async () => ({ used: new Set(), tail: Promise.resolve(), session: new FolderSession(server, p.mailbox, ctx.network) }),
      (s) => s.session.dispose(),
    );

    // Bounded wait: at the deadline (plus a grace for a command in flight) the session is cut.
    const deadline = startedAt + p.timeoutMs;
    const hardStop = AbortSignal.timeout(p.timeoutMs + 5_000);
    const signal = AbortSignal.any([ctx.signal, hardStop]);
    const seen: Seen = { rejected: new Set<string>(), noCode: 0, links: [] };

    let news = (): void => undefined;
    const session = state.session;
    const member = session.join(() => news());
    // Stopped while connecting is a stop, not a mail server failure (seen under load: connecting took over 700 ms).
    const ready = (): Promise<boolean> =>
      session.ready(member, deadline, signal).catch((err: unknown) => {
        throw ctx.signal.aborted ? abortError(ctx.signal, 'The wait for the mailed code was cancelled.') : err;
      });
    try {
      if (await ready()) ctx.log.warn(RECONNECTING);
    } catch (err) {
      member.leave();
      throw err;
    }
    // A command of this wait's in flight when it is stopped (or hangs past the deadline) is cut with
    // the session; the other waits open it again. A wait stopped between its looks leaves it alone.
    const onAbort = (): void => {
      if (member.busy) session.client.close();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      ctx.log.debug(
        window.mark
          ? `waiting for a code mailed to ${recipient} that arrived after the mailbox mark (message ${window.mark.uidNext} and up)`
          : `waiting for a code mailed to ${recipient} after ${window.since.toISOString()}`,
      );
      for (;;) {
        let found: Found | null = null;
        try {
          // A wait stopped while another's look held the folder does not look (nor take a code) after its stop.
          found = await exclusive(state, () => (signal.aborted ? Promise.resolve(null) : busy(member, () => scan(session.client, p, recipient, window, reader, state, seen, ctx.log))));
        } catch (err) {
          if (!session.lost) throw err;
        }
        // imapflow answers some commands on a closed session with false or nothing, others with an error.
        if (!found && session.lost) {
          ctx.log.warn(RECONNECTING);
          await ready();
          continue;
        }
        if (found) {
          ctx.log.info(`${p.take === 'link' ? 'link' : 'code'} found in the mail from ${found.from} (“${found.subject}”, received ${found.receivedAt})`, { uid: found.uid });
          return out({ ...ctx.input, [p.field]: found.code });
        }
        const remaining = deadline - Date.now();
        if (remaining <= 0) break;
        await new Promise<void>((resolve) => {
          const done = (): void => {
            clearTimeout(timer);
            signal.removeEventListener('abort', done);
            news = () => undefined;
            resolve();
          };
          const timer = setTimeout(done, Math.min(p.pollMs, remaining));
          signal.addEventListener('abort', done, { once: true });
          news = done;
          // IDLE: the server announces new mail at once (the next command ends the IDLE; one IDLE serves every wait).
          session.idle();
        });
        if (signal.aborted) break;
      }
      // Nothing came: a mail to the address that the server filed as spam is what to say (junk.ts).
      if (!signal.aborted && !session.lost && seen.noCode === 0 && seen.rejected.size === 0 && !seen.differ && !seen.sentBefore) {
        const since = window.since ?? new Date(startedAt - p.lookbackMs);
        const look = (client: ImapFlow) => junkMail(client, p.mailbox, recipient, since, (from) => allowedSender(from, p.senders));
        seen.junk = (await exclusive(state, () => busy(member, () => session.lookAside(look))).catch(() => null)) ?? undefined;
      }
    } catch (err) {
      if (!signal.aborted) throw imapError(err, server);
    } finally {
      signal.removeEventListener('abort', onAbort);
      member.leave();
    }
    if (ctx.signal.aborted) throw abortError(ctx.signal, 'The wait for the mailed code was cancelled.');
    throw endOfWait({ ...p, defaultPattern: p.pattern === DEFAULT_PATTERN, maxText: MAX_TEXT }, recipient, seen, window.since);
  },
});

/** When the window opens: the record's requested-at time (minus clock tolerance), else this step's start minus the look-back. */
export function windowStart(value: unknown, field: string, startedAt: number, lookbackMs: number): Date {
  if (value === undefined || value === null || value === '') return new Date(startedAt - lookbackMs);
  const time = typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : NaN;
  if (!Number.isFinite(time)) {
    throw new NodeError(
      'E_MAIL_REQUESTED_AT_INVALID',
      `The field "${field}" holds ${JSON.stringify(value)}, which is not a time.`,
      'Store the moment the code was requested as an ISO time (e.g. 2026-01-31T10:15:00Z), or remove the field.',
    );
  }
  return new Date(time - CLOCK_SKEW_MS);
}

/** Reads the code from a message's text and (when given) its subject; undefined when there is none. */
interface CodeReader {
  /** The code, and how clearly the mail named it (default-code.ts; a pattern the user wrote: always 0). */
  read(text: string, subject?: string): ReadCode | undefined;
  /** With no code read: a code with letters the mail names, which the pattern does not take (for the error). */
  letters?(text: string, subject: string): string | null;
  /** An HTML part's text keeps the lines of the screen (html-text.ts). */
  lines: boolean;
}

/** The default pattern reads as default-code.ts says; any other is applied as written, to the text, then the subject. */
function codeReader(pattern: string): CodeReader {
  if (pattern === DEFAULT_PATTERN) return { read: (text, subject) => readDefaultCode(text, subject) ?? undefined, letters: namedLetteredCode, lines: true };
  const regex = compile(pattern)!;
  return {
    read: (text, subject) => {
      const match = regex.exec(subject === undefined ? text : `${text}\n${subject}`);
      const code = match ? (match[1] ?? match[0]) || undefined : undefined;
      return code === undefined ? undefined : { code, clarity: 0 };
    },
    lines: false,
  };
}

/** A link pattern (no group needed), matched in linear time; null when unusable. */
function compileAny(pattern: string): LinearRegExp | null {
  try {
    new RegExp(pattern);
    return new LinearRegExp(pattern);
  } catch {
    return null;
  }
}

/** The code pattern, matched in linear time (RE2 semantics: no pattern can freeze the studio); null when unusable. */
function compile(pattern: string): LinearRegExp | null {
  try {
    new RegExp(pattern);
    const re = new LinearRegExp(pattern);
    return re.groupCount > 0 ? re : null; // needs a capture group
  } catch {
    return null;
  }
}

/**
 * Whether the mail's sender is allowed: an address entry is that address; an @domain entry any
 * address at that domain or one of its subdomains — senders of codes often write from one
 * (@microsoft.com's come from accountprotection.microsoft.com), and a subdomain is its domain
 * owner's as much as the domain. Only whole labels count: @shop.example does not allow
 * evilshop.example nor shop.example.evil.net.
 */
function allowedSender(address: string, senders: string[]): boolean {
  if (senders.length === 0) return true;
  const a = addressKey(address);
  const domain = a.slice(a.lastIndexOf('@') + 1);
  return senders.some((s) => {
    const entry = addressKey(s);
    if (!entry.startsWith('@')) return a === entry;
    const allowed = entry.slice(1);
    return domain === allowed || domain.endsWith(`.${allowed}`);
  });
}

/** Runs `fn`, a command of `member`'s on the session, marked as such (a stop of that wait cuts it). */
async function busy<T>(member: SessionMember, fn: () => Promise<T>): Promise<T> {
  member.busy = true;
  try {
    return await fn();
  } finally {
    member.busy = false;
  }
}

async function exclusive<T>(state: MailboxState, fn: () => Promise<T>): Promise<T> {
  const run = state.tail.then(fn, fn);
  state.tail = run.catch(() => undefined);
  return run;
}

/** One look at the mailbox: the newest unused message in the window, to the recipient, from an allowed sender, with a code. */
async function scan(
  client: ImapFlow,
  p: Params,
  recipient: string,
  window: Window,
  reader: CodeReader,
  state: MailboxState,
  seen: Seen,
  log: { warn(message: string): void },
): Promise<Found | null> {
  await client.noop(); // lets the server announce new mail: SEARCH only sees messages the session knows
  const validity = String(client.mailbox && typeof client.mailbox === 'object' ? client.mailbox.uidValidity : '');
  const who = { unKeyword: USED_KEYWORD, or: toOrCc(recipient) };
  let query: Parameters<ImapFlow['search']>[0];
  if (window.mark && window.mark.uidValidity === validity) {
    query = { ...who, uid: `${window.mark.uidNext}:*` };
  } else {
    if (window.mark && !seen.renumbered) {
      seen.renumbered = true;
      log.warn(`the folder ${p.mailbox} was renumbered since the mailbox mark (UIDVALIDITY changed): only mail the server says arrived after the newest message at the mark counts`);
    }
    // SINCE is by day (and in the server's time zone): a coarse filter; the exact time is checked here.
    const from = window.mark ? (window.mark.lastArrival ? Date.parse(window.mark.lastArrival) : 0) : window.since.getTime();
    query = { ...who, since: new Date(from - 24 * 3600_000) };
  }
  const uids = await client.search(query, { uid: true });
  if (!uids || uids.length === 0) return null;
  const messages = await client.fetchAll(uids.join(','), { uid: true, envelope: true, internalDate: true, flags: true, bodyStructure: true }, { uid: true });
  // After a mark the newest arrival (highest UID) comes first; by time otherwise.
  messages.sort((a, b) => (window.mark ? 0 : time(b.internalDate) - time(a.internalDate)) || b.uid - a.uid);
  let rejected: string[] = [];
  let noCode = 0;
  for (const m of messages) {
    if (m.flags?.has(USED_KEYWORD)) continue;
    let sentBefore = false;
    if (window.mark) {
      // `n:*` also names the last message when none is numbered n or more: the mark decides.
      if (!arrivedAfter(window.mark, validity, m.uid, time(m.internalDate))) continue;
    }
    if (!addressedTo(m.envelope, recipient)) continue;
    if (!window.mark) {
      const arrived = time(m.internalDate);
      if (arrived < window.since.getTime()) {
        // Arrived before the window: an older mail, not taken. The newest such one (messages come
        // newest first) is said when nothing else came: with this computer's clock ahead of the
        // mail server's, the mail asked for looks older than the request.
        if (seen.earlier === undefined && allowedSender(m.envelope?.from?.[0]?.address ?? '', p.senders)) seen.earlier = arrived;
        continue;
      }
      const sent = m.envelope?.date ? time(m.envelope.date) : NaN;
      sentBefore = Number.isFinite(sent) && sent < window.since.getTime();
    }
    if (sentBefore) {
      // Arrived in the window but dated before it: an old mail delivered late — or a sender's clock
      // (or time zone) that is wrong. Not taken, but said when the wait ends: it did arrive.
      seen.sentBefore = { sent: new Date(time(m.envelope!.date)).toISOString(), arrived: new Date(time(m.internalDate)).toISOString() };
      continue;
    }
    const from = (m.envelope?.from?.[0]?.address ?? '').toLowerCase();
    if (!allowedSender(from, p.senders)) {
      rejected.push(from || '(no sender)');
      continue;
    }
    const parts = textParts(m);
    const reading: Reading = { cut: false };
    const subject = m.envelope?.subject ?? '';
    let code: string | undefined;
    if (p.take === 'link') {
      const links: MailLink[] = [];
      for (const part of [...parts.plain, ...parts.html]) {
        const body = await partBody(client, m, part, reading);
        links.push(...(part.type === 'text/html' ? htmlLinks(body) : plainLinks(body)));
      }
      const found = confirmationLink(links, p.linkPattern ? compileAny(p.linkPattern)! : undefined);
      code = found.link?.url;
      if (!code) seen.links = found.seen;
    } else {
      const read = await mailCode(client, m, parts, subject, reader, p.readFrom, reading);
      code = read.code;
      if (read.letters) seen.letters = read.letters;
      if (read.differ) {
        // A mail with a code, but which one is not known: an older mail's code is not taken instead.
        seen.differ = read.differ;
        break;
      }
    }
    if (!code) {
      noCode++;
      if (reading.cut) seen.cut = true;
      const carried = parts.attached[0];
      if (carried) seen.attached = carried.envelope?.from?.[0]?.address || '(no sender)';
      continue;
    }
    const key = `${validity}:${m.uid}:${code}`;
    if (state.used.has(key)) continue;
    state.used.add(key);
    const marked = await client.messageFlagsAdd(String(m.uid), [USED_KEYWORD, '\\Seen'], { uid: true });
    if (!marked && !client.usable) {
      // Not marked used, the session lost on the way: not handed out either — the look after connecting again takes it.
      state.used.delete(key);
      return null;
    }
    if (!marked) {
      // A server that keeps no keywords of its own choosing: this run will not take the code again,
      // a later one might (within its window). Said, not passed over in silence.
      log.warn(
        `the mail server refused to mark the mail used (keyword ${USED_KEYWORD}): a later run waiting for ${recipient} in the same time window could take this code again — a Mark the mailbox step before the code is requested keeps it off`,
      );
      await client.messageFlagsAdd(String(m.uid), ['\\Seen'], { uid: true });
    }
    return { code, uid: m.uid, from, subject: m.envelope?.subject ?? '', receivedAt: new Date(time(m.internalDate)).toISOString() };
  }
  for (const r of rejected) seen.rejected.add(r);
  seen.noCode += noCode;
  rejected = [];
  return null;
}

function time(value: Date | string | undefined): number {
  if (value === undefined) return NaN;
  return value instanceof Date ? value.getTime() : Date.parse(value);
}

/** A whole message carried inside another (forwarded as an attachment): its parts are another sender's. */
const EMBEDDED_MESSAGE = /^message\/(?:rfc822|global)$/i;

/**
 * The message's readable parts: text/plain and text/html, attachments left out. A message carried
 * inside it (forwarded as an attachment) is never read — its sender is not the one Allowed senders
 * checked, nor its date the one the window did, so its code may be anyone's or an old one — and
 * `attached` names it for the error when no code is found.
 */
function textParts(m: FetchMessageObject): { plain: MessageStructureObject[]; html: MessageStructureObject[]; attached: MessageStructureObject[] } {
  const plain: MessageStructureObject[] = [];
  const html: MessageStructureObject[] = [];
  const attached: MessageStructureObject[] = [];
  const files: { plain: MessageStructureObject[]; html: MessageStructureObject[] } = { plain: [], html: [] };
  const walk = (node: MessageStructureObject | undefined): void => {
    if (!node) return;
    if (EMBEDDED_MESSAGE.test(node.type)) return void attached.push(node);
    if (node.childNodes?.length) return node.childNodes.forEach(walk);
    if (node.disposition === 'attachment') return;
    const type = node.type?.toLowerCase();
    if (type !== 'text/plain' && type !== 'text/html') return;
    // A text part with a file name is a file sent along (Apple Mail marks attachments `inline;
    // filename=…`; others name the file only in Content-Type): notes.txt or an invoice's numbers
    // were read as the mail's text, and their first number taken for the code. Read only when the
    // mail has no text of its own.
    const named = Boolean(node.dispositionParameters?.filename ?? node.parameters?.name);
    (named ? files : { plain, html })[type === 'text/plain' ? 'plain' : 'html'].push(node);
  };
  walk(m.bodyStructure);
  if (plain.length === 0 && html.length === 0) return { ...files, attached };
  return { plain, html, attached };
}

/**
 * A mail's code from its plain-text part and its HTML part, as `readFrom` says. The two usually say
 * the same; when a sender's plain part is an old template (another code) or holds other numbers
 * (addresses written out), reading only the plain one took its code silently. With `both`, two
 * different codes are `differ` and none is taken — unless one part names its code more clearly (a
 * word for the code in its text) than the other (a stub's first number, a postcode): that one is
 * taken. One part is read alone when the mail has only it. A plain part that only says "view this
 * mail in a browser" gives no code: the HTML one's is taken.
 */
async function mailCode(
  client: ImapFlow,
  m: FetchMessageObject,
  parts: { plain: MessageStructureObject[]; html: MessageStructureObject[] },
  subject: string,
  reader: CodeReader,
  readFrom: Params['readFrom'],
  reading: Reading,
): Promise<{ code?: string; differ?: { plain: string; html: string }; letters?: string }> {
  subject = asciiDigits(subject);
  const texts: string[] = [];
  const from = async (list: MessageStructureObject[]) => {
    if (list.length === 0) return undefined;
    const text = await partsText(client, m, list, reader.lines, reading);
    texts.push(text);
    return reader.read(text, subject);
  };
  let code: string | undefined;
  if (readFrom === 'plain') code = ((await from(parts.plain)) ?? (await from(parts.html)))?.code;
  else if (readFrom === 'html') code = ((await from(parts.html)) ?? (await from(parts.plain)))?.code;
  else {
    const plain = await from(parts.plain);
    const html = await from(parts.html);
    // Two codes: the part that names its code more clearly is right (a stub plain part's postcode is
    // not a code the HTML part names); named as clearly, the step cannot tell.
    if (plain && html && plain.code !== html.code) {
      if (plain.clarity === html.clarity) return { differ: { plain: plain.code, html: html.code } };
      code = (plain.clarity > html.clarity ? plain : html).code;
    } else code = (plain ?? html)?.code;
  }
  return { code, letters: code === undefined ? (reader.letters?.(texts.join('\n'), subject) ?? undefined) : undefined };
}

/**
 * The text of `parts` (imapflow decodes the transfer encoding and converts the charset to UTF-8);
 * HTML as a mail program shows it (html-text.ts), its lines kept with `lines`.
 * A code written digit by digit reads whole in both (spaced-code.ts).
 */
async function partsText(client: ImapFlow, m: FetchMessageObject, parts: MessageStructureObject[], lines: boolean, reading: Reading): Promise<string> {
  let text = '';
  for (const part of parts) {
    // Digits of other scripts (full-width ４８２９１３, Arabic ٤٨٢٩١٣) are read as the 0–9 a code is typed with.
    const body = asciiDigits(await partBody(client, m, part, reading));
    text += `${part.type === 'text/html' ? htmlToText(body, { lines }) : joinSpacedDigits(body, 'line')}\n`;
  }
  return text;
}

/** What reading a message's parts met: `cut`, a part longer than MAX_TEXT, read only to there (for the error). */
interface Reading {
  cut: boolean;
}

/** One part's content as text (transfer encoding and charset decoded by imapflow), at most MAX_TEXT. */
async function partBody(client: ImapFlow, m: FetchMessageObject, part: MessageStructureObject, reading: Reading): Promise<string> {
  const dl = await client.download(String(m.uid), part.part ?? '1', { uid: true, maxBytes: MAX_TEXT });
  if (!dl || !('content' in dl) || !dl.content) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of dl.content) chunks.push(Buffer.from(chunk as Buffer));
  const body = Buffer.concat(chunks);
  // The download stops at MAX_TEXT: a part that long was cut, and a code after it never seen.
  if (body.length >= MAX_TEXT) reading.cut = true;
  // imapflow converts a part whose Content-Type names its charset to UTF-8. An HTML part that names
  // it only in a <meta> (older senders and tools) was read as UTF-8 — its Cyrillic words became
  // U+FFFD, "Заказ" labelled no order number, and the order number was taken for the code: read it
  // as a browser does (sdk text-body: a BOM, else the <meta>, else UTF-8).
  // (IMAP servers give a part that names no charset as us-ascii: its bytes, if ASCII, read the same.)
  const charset = part.parameters?.charset;
  const text = charset && !/^(?:us-)?ascii$/i.test(charset) ? body.toString('utf8') : bodyText(body, part.type);
  // Zero-width characters a plain part carries (converted from the HTML's &zwnj; and &#8203;) split a
  // code, or ran on to a link, where a reader sees none.
  return dropInvisible(text);
}

export type { MailServer };
