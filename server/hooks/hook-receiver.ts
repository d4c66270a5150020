import type { Json } from '../../nodes/sdk/types.ts';
import { NodeError } from '../contract/node-error.ts';
import { WEBHOOK_TRIGGER, webhookParams, webhookTrigger, type WebhookParams } from '../../nodes/webhook/trigger.ts';
import { EVENT_ID_FIELD, hookRecord } from '../../nodes/webhook/record.ts';
import { verifySignature } from '../../nodes/webhook/signature.ts';
import { sameText, TIMED_HEADERS, verifyBasic, verifyBodyHmac, verifyTimed, verifyToken } from '../../nodes/webhook/request-check.ts';
import { TWILIO_HEADER, verifyTwilio } from '../../nodes/webhook/twilio-signature.ts';
import type { FlowDocument, FlowNode } from '../contract/flow/schema.ts';
import type { Engine } from '../engine/engine.ts';
import { credentialAccess, type CredentialSource } from '../engine/credentials.ts';
import { SecretMasker } from '../engine/secret-masker.ts';
import type { Store } from '../store/types.ts';
import { ConveyorError } from '../errors.ts';
import { parseHookBody } from './hook-body.ts';
import { ThrottledLog } from './throttled-log.ts';
import { WaitingEvents } from './waiting-events.ts';

export interface HookReceiverOptions {
  store: Store;
  engine: Engine;
  /** The vault: the hook's signing secret is read from it for each request (never kept). */
  vault: CredentialSource;
  /** Lines for the server log: refused requests (never the secret, the signature or the body). */
  log?: (line: string) => void;
}

/** A saved flow's active hook, found from its address. */
export interface HookTarget {
  flowId: string;
  doc: FlowDocument;
  node: FlowNode;
  params: WebhookParams;
}

export interface HookRequest {
  body: Buffer;
  headers: Record<string, string | string[] | undefined>;
  query: Record<string, unknown>;
  /** The sender's address, for the log. */
  ip: string;
  /** The addresses the request may have been sent to (scheme, host, path and query), for a check that signs the address (twilio). */
  urls?: string[];
}

/**
 * What the sender gets: 202 accepted (stored, will run), 200 duplicate (the event was seen: skipped),
 * 200 with the record's end (Answer = result, when it ended within the trigger's wait), or 200 with
 * Slack's challenge (the URL check Slack sends when the address is set: nothing runs).
 */
export type HookAnswer =
  | { status: 200 | 202; body: { id: string; runId: string; eventId: string | null; status: 'accepted' | 'duplicate'; reason?: string } }
  | { status: 200; body: HookResult }
  | { status: 200; body: { challenge: string } };

/** With Answer = result: how the request's record ended, its output (stored, masked) or its error. */
export interface HookResult {
  id: string;
  runId: string;
  eventId: string | null;
  status: 'success' | 'failed' | 'needs_review' | 'skipped';
  output: Json;
  /** Why it ended so, when a step or an "End with status" said. */
  reason?: string;
  error?: { code: string; message: string };
}

const NOT_FOUND_HINT = 'Check the address: /hooks/<flow id>/<hook name> of a saved flow whose Webhook trigger is switched on (it is shown in the trigger\'s settings).';

/**
 * Turns a hook request into a run: finds the flow's Webhook trigger, checks the signature, then
 * starts one run with one record. The answer leaves only once the run and its record are on disk
 * (`startRun` resolves after the store's write is durable), so an acknowledged request is never
 * lost; the record is then processed like any other, and a crash leaves it to Resume.
 *
 * Replays: the record's `eventId` is the run's business key, so a second delivery of an event that
 * ran (or waits for review, or is in doubt) is settled as skipped by the engine's idempotency check
 * before anything runs. Deliveries of one event are handled one at a time, and an event whose run is
 * still executing here is answered "duplicate" at once: the record may not have begun yet, and a
 * record that has not begun is not yet an attempt the idempotency check can see.
 */
export class HookReceiver {
  private readonly chains = new Map<string, Promise<unknown>>();
  /** `flowId \0 eventId` → the run of this process that is still executing it. */
  private readonly underWay = new Map<string, string>();

  private readonly logLines: ThrottledLog | null;
  private readonly waiting: WaitingEvents;

  constructor(private readonly opts: HookReceiverOptions) {
    this.logLines = opts.log ? new ThrottledLog(opts.log) : null;
    this.waiting = new WaitingEvents(opts.store, opts.engine);
  }

  /**
   * At studio start: the runs of acknowledged requests that a crash interrupted, or a shutdown paused,
   * before their record finished are resumed, so an answered event is processed without anyone
   * pressing Resume (as a queue-backed webhook would). Stopped runs stay stopped: that was a person.
   */
  async resumeWaiting(): Promise<string[]> {
    const resumed: string[] = [];
    for (const run of await this.opts.store.listRunsWithStatus(['interrupted', 'paused'])) {
      if (!run.flow.nodes.some((n) => n.type === WEBHOOK_TRIGGER) || run.recordCount !== 1) continue;
      const record = await this.opts.store.getRecord(run.id, 0);
      if (!record || (record.status !== 'pending' && record.status !== 'running') || typeof record.data.hook !== 'string' || record.data.test === true) continue;
      try {
        await this.opts.engine.resume(run.id);
        resumed.push(run.id);
        this.log(`/hooks/${run.flowId}/${record.data.hook}: resumed run ${run.id} (${run.status}) to process event ${String(record.data[EVENT_ID_FIELD] ?? '(no id)')}.`);
      } catch (err) {
        this.log(`/hooks/${run.flowId}/${record.data.hook}: could not resume run ${run.id}: ${(err as Error).message}`);
      }
    }
    return resumed;
  }

  /** The hook at /hooks/<flowId>/<name>, or 404 E_HOOK_NOT_FOUND (the same answer whatever is missing). */
  async find(flowId: string, name: string): Promise<HookTarget> {
    const row = await this.opts.store.getFlow(flowId);
    const why = !row ? 'no saved flow has this id' : null;
    let target: HookTarget | null = null;
    let reason = why;
    if (row) {
      const node = row.doc.nodes.find((n) => n.type === WEBHOOK_TRIGGER && webhookParams.safeParse(n.params ?? {}).data?.name === name);
      const params = node ? webhookParams.parse(node.params ?? {}) : null;
      if (!node || !params) reason = 'the flow has no Webhook trigger with this name';
      else if (node.disabled) reason = 'its Webhook trigger is disabled';
      else if (!params.active) reason = 'its Webhook trigger does not accept requests ("Accept requests" is off)';
      else target = { flowId: row.id, doc: row.doc, node, params };
    }
    if (!target) {
      this.log(`/hooks/${flowId}/${name}: not found (${reason}).`);
      throw new ConveyorError('E_HOOK_NOT_FOUND', `There is no active hook at /hooks/${flowId}/${name}.`, NOT_FOUND_HINT, 404);
    }
    return target;
  }

  /**
   * Meta's subscription check (Facebook, WhatsApp, Instagram): a GET with `hub.mode=subscribe`,
   * `hub.verify_token` and `hub.challenge`, answered with the challenge when the token is the
   * trigger's "Subscription verify token" (compared in constant time). Nothing runs.
   */
  verifySubscription(target: HookTarget, query: Record<string, unknown>, ip: string): string {
    const where = `/hooks/${target.flowId}/${target.params.name}`;
    const expected = target.params.subscribeToken;
    const text = (key: string): string => (typeof query[key] === 'string' ? (query[key] as string) : '');
    const mode = text('hub.mode');
    const challenge = text('hub.challenge');
    if (!expected || mode !== 'subscribe' || !challenge || challenge.length > 1000 || !sameText(text('hub.verify_token'), expected)) {
      const why = !expected ? 'the trigger has no subscription verify token' : mode !== 'subscribe' || !challenge ? 'not a subscription check (hub.mode=subscribe with hub.challenge)' : 'hub.verify_token is not the trigger\'s';
      this.log(`${where}: refused a subscription check from ${ip}: E_HOOK_SUBSCRIBE_REFUSED (${why}).`);
      throw new ConveyorError(
        'E_HOOK_SUBSCRIBE_REFUSED',
        `This hook does not confirm the subscription: ${why}.`,
        'Type the same text in the app\'s webhook settings ("Verify token") and in the Webhook trigger ("Subscription verify token"), save the flow, and verify again. Events are POSTed.',
        403,
      );
    }
    this.log(`${where}: confirmed a subscription check from ${ip} (nothing runs).`);
    return challenge;
  }

  async accept(target: HookTarget, req: HookRequest): Promise<HookAnswer> {
    const where = `/hooks/${target.flowId}/${target.params.name}`;
    if (target.params.verify !== 'none') await this.checkRequest(target, req, where);
    const body = this.parse(req, where);
    const challenge = slackChallenge(target.params.verify, body);
    if (challenge !== null) {
      this.log(`${where}: answered Slack's URL check (nothing runs).`);
      return { status: 200, body: { challenge } };
    }
    const record = hookRecord({
      name: target.params.name,
      body,
      headers: req.headers,
      query: req.query,
      eventIdPath: target.params.eventIdPath,
      receivedAt: new Date(),
      signatureHeader: signatureHeaderOf(target.params),
    });
    const eventId = record[EVENT_ID_FIELD] as string | null;
    if (target.params.eventIdPath && eventId === null) {
      this.log(`${where}: refused a request from ${req.ip}: E_HOOK_EVENT_ID_MISSING (no event id at "${target.params.eventIdPath}").`);
      throw new ConveyorError(
        'E_HOOK_EVENT_ID_MISSING',
        `The request body has no event id at "${target.params.eventIdPath}", so a resent copy could not be told apart: nothing was run.`,
        'Send a JSON body with a unique id for each event at that field, or change "Event id field" in the Webhook trigger (empty: no replay check).',
        400,
      );
    }
    if (eventId === null) return this.start(target, record, null);
    return this.serial(`${target.flowId}\u0000${eventId}`, () => this.start(target, record, eventId));
  }

  private async start(target: HookTarget, record: Record<string, Json>, eventId: string | null): Promise<HookAnswer> {
    const key = `${target.flowId}\u0000${eventId}`;
    const running = eventId === null ? undefined : this.underWay.get(key);
    if (running) {
      return { status: 200, body: { id: running, runId: running, eventId, status: 'duplicate', reason: `Under way in run ${running}: this event was received already and is being processed.` } };
    }
    const waiting = eventId === null ? null : await this.waiting.runOf(target.flowId, eventId);
    if (waiting) {
      return { status: 200, body: { id: waiting, runId: waiting, eventId, status: 'duplicate', reason: `Waiting in run ${waiting}, which stopped before processing it: resume that run to process this event.` } };
    }
    // The event id is the run's business key unless the flow names its own.
    const doc: FlowDocument = eventId !== null && !target.doc.settings.businessKey ? { ...target.doc, settings: { ...target.doc.settings, businessKey: EVENT_ID_FIELD } } : target.doc;
    const run = await this.opts.engine.startRun(doc, { input: { records: [record] } });
    const summary = await this.opts.engine.summary(run.id);
    if (summary.counts.skipped > 0) {
      const settled = await this.opts.store.getRecord(run.id, 0);
      const reason = settled?.reason ?? 'This event was processed already.';
      return { status: 200, body: { id: run.id, runId: run.id, eventId, status: 'duplicate', reason } };
    }
    const accepted: HookAnswer = { status: 202, body: { id: run.id, runId: run.id, eventId, status: 'accepted' } };
    const answer = target.params.respond === 'result';
    // The run's end is waited for only by what needs it: the replay check, the answer.
    if (eventId === null && !answer) return accepted;
    const ended = this.opts.engine.waitForRun(run.id).then(
      () => true,
      () => false,
    );
    if (eventId !== null) {
      this.underWay.set(key, run.id);
      void ended.finally(() => {
        if (this.underWay.get(key) === run.id) this.underWay.delete(key);
      });
    }
    if (!answer) return accepted;
    // Answer = result: the answer waits for the record's end, at most the trigger's wait.
    let timer: NodeJS.Timeout | undefined;
    const inTime = await Promise.race([ended, new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), target.params.respondTimeoutMs)))]);
    clearTimeout(timer);
    const settled = inTime ? await this.opts.store.getRecord(run.id, 0) : null;
    if (!settled || !TERMINAL_RESULT.has(settled.status)) return accepted;
    const result: HookResult = { id: run.id, runId: run.id, eventId, status: settled.status as HookResult['status'], output: (settled.output ?? null) as Json };
    if (settled.reason) result.reason = settled.reason;
    if (settled.error) result.error = { code: settled.error.code, message: settled.error.message };
    return { status: 200, body: result };
  }

  /** The request's proof that it comes from the sender, as the trigger's "Check requests" says. */
  private async checkRequest(target: HookTarget, req: HookRequest, where: string): Promise<void> {
    const secret = await this.secretOf(target, where);
    const headerName = target.params.signatureHeader;
    const read = (name: string, joiner = ','): string | undefined => {
      const raw = req.headers[name.toLowerCase()];
      return Array.isArray(raw) ? raw.join(joiner) : raw;
    };
    const header = read(headerName);
    const { verify, toleranceSeconds } = target.params;
    const problem =
      verify === 'hmac'
        ? verifyBodyHmac({ secret, body: req.body, header, headerName })
        : verify === 'token'
          ? verifyToken({ secret, header, headerName })
          : verify === 'basic'
            ? verifyBasic({ secret, header: read('authorization') })
            : verify === 'slack' || verify === 'standard'
              ? verifyTimed({ scheme: verify, secret, body: req.body, header: (name) => read(name, ' '), toleranceSeconds })
              : verify === 'twilio'
                ? verifyTwilio({ secret, body: req.body, contentType: read('content-type'), header: read(TWILIO_HEADER), urls: req.urls ?? [] })
                : verifySignature({ secret, body: req.body, header, headerName, toleranceSeconds });
    if (problem) {
      this.log(`${where}: refused a request from ${req.ip}: ${problem.code}: ${problem.message}`);
      throw new ConveyorError(problem.code, problem.message, problem.hint, UNAUTHORIZED.has(problem.code) ? 401 : 400);
    }
  }

  /** The signing secret, through the same checks a step's credential gets (kind, scope). */
  private async secretOf(target: HookTarget, where: string): Promise<string> {
    const name = target.params.secret;
    let problem: string;
    if (!name) problem = 'its Webhook trigger names no signing secret';
    else {
      try {
        const access = credentialAccess(this.opts.vault, webhookTrigger, target.node.name ?? 'Webhook', new SecretMasker());
        const credential = await access.get(name);
        const secret = credential.secrets.secret;
        if (secret) return secret;
        problem = `the credential "${name}" holds no secret`;
      } catch (err) {
        problem = err instanceof NodeError ? `${err.code}: ${err.message}` : (err as Error).message;
      }
    }
    this.log(`${where}: cannot check requests: ${problem}. Requests are refused until this is fixed.`);
    throw new ConveyorError(
      'E_HOOK_NOT_CONFIGURED',
      `The hook at ${where} cannot check requests yet (it has no secret to check them with), so it accepts no request.`,
      'The flow\'s owner must pick a "Webhook signing secret" credential (scope: webhook.trigger) in the Webhook trigger; the server log says what is missing. Send again later.',
      503,
    );
  }

  private parse(req: HookRequest, where: string): Json {
    try {
      return parseHookBody(req.body, req.headers['content-type']);
    } catch (err) {
      const e = err as ConveyorError;
      this.log(`${where}: refused a request from ${req.ip}: ${e.code}: ${e.message}`);
      throw err;
    }
  }

  /** One line for the server log, `line` starting with the hook's address (its throttling key). */
  private log(line: string): void {
    const key = line.slice(0, Math.max(0, line.indexOf(':')));
    this.logLines?.line(`[hooks] ${key}`, `[hooks] ${line}`);
  }

  /** Deliveries of one event run one at a time: the second sees what the first stored. */
  private serial<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.chains.get(key) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(fn);
    const tail = next.catch(() => undefined);
    this.chains.set(key, tail);
    void tail.then(() => {
      if (this.chains.get(key) === tail) this.chains.delete(key);
    });
    return next;
  }
}

const TERMINAL_RESULT = new Set(['success', 'failed', 'needs_review', 'skipped']);
/** Refusals of a secret sent as it is (token, basic): 401, the others' 400. */
const UNAUTHORIZED = new Set(['E_HOOK_TOKEN_MISSING', 'E_HOOK_TOKEN_INVALID', 'E_HOOK_AUTH_MISSING', 'E_HOOK_AUTH_INVALID']);

/** The header that carried the request's proof, left out of the record: the scheme's own for slack, standard and twilio. */
function signatureHeaderOf(params: WebhookParams): string {
  if (params.verify === 'twilio') return TWILIO_HEADER;
  return params.verify === 'slack' || params.verify === 'standard' ? TIMED_HEADERS[params.verify].signature : params.signatureHeader;
}

/**
 * Slack checks an Events API address before sending events to it: a signed
 * `{ "type": "url_verification", "challenge": "…" }` that must be answered with the challenge.
 */
function slackChallenge(verify: WebhookParams['verify'], body: Json): string | null {
  if (verify !== 'slack' || body === null || typeof body !== 'object' || Array.isArray(body)) return null;
  const { type, challenge } = body as { type?: unknown; challenge?: unknown };
  return type === 'url_verification' && typeof challenge === 'string' ? challenge : null;
}
