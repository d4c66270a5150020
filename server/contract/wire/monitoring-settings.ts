import { z } from 'zod';

/**
 * What an operator sets for monitoring, validated where it enters (REST, the studio): the alert
 * rules of a flow with where they go, and the daily summaries of the install.
 */

const ruleId = z.string().trim().min(1).max(50).regex(/^[A-Za-z0-9_-]+$/, { error: 'may only use letters, digits, _ and -' });
const email = z.email({ error: 'must be an email address' }).max(300);

export const failureRateRule = z
  .object({
    id: ruleId,
    kind: z.literal('failure_rate'),
    /** Fire when the share of failed records is above this (0.2 = 20 %). */
    threshold: z.number().min(0).max(1),
    /** The window: records that finished in the last N minutes… */
    windowMinutes: z.number().int().min(1).max(7 * 24 * 60).optional(),
    /** …or the last N records that finished. */
    windowRecords: z.number().int().min(1).max(100_000).optional(),
    /** No decision on fewer records than this. */
    minRecords: z.number().int().min(1).max(100_000).default(5),
  })
  .strict()
  .refine((r) => (r.windowMinutes === undefined) !== (r.windowRecords === undefined), { error: 'give either windowMinutes or windowRecords (one of them)' });

export const runStuckRule = z
  .object({
    id: ruleId,
    kind: z.literal('run_stuck'),
    /** Fire when a run of the flow made no progress for this many minutes. */
    minutes: z.number().min(0.1).max(7 * 24 * 60),
  })
  .strict();

export const scheduleMissedRule = z
  .object({
    id: ruleId,
    kind: z.literal('schedule_missed'),
    /** A tick not fired this many minutes after it was due counts as missing. */
    graceMinutes: z.number().min(0).max(24 * 60).default(5),
  })
  .strict();

export const alertRule = z.discriminatedUnion('kind', [failureRateRule, runStuckRule, scheduleMissedRule]);
export type AlertRule = z.infer<typeof alertRule>;

export const mailChannel = z
  .object({
    /** An SMTP credential of the vault whose scope allows mail.send. */
    credential: z.string().trim().min(1).max(200),
    to: z.array(email).min(1).max(20),
    from: email.optional(),
  })
  .strict();
export type MailChannel = z.infer<typeof mailChannel>;

export const webhookChannel = z
  .object({
    url: z.url({ protocol: /^https?$/, error: 'must be a full http(s) address' }).max(2000),
    /**
     * A "Webhook signing secret" credential (scope: webhook.trigger): each POST is then signed
     * `Conveyor-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, as a Conveyor hook checks.
     */
    secret: z.string().trim().min(1).max(200).optional(),
  })
  .strict();

export const alertSettings = z
  .object({
    enabled: z.boolean().default(true),
    rules: z
      .array(alertRule)
      .max(20)
      .default([])
      .refine((rules) => new Set(rules.map((r) => r.id)).size === rules.length, { error: 'every rule needs its own id' }),
    mail: mailChannel.nullable().default(null),
    webhook: webhookChannel.nullable().default(null),
  })
  .strict()
  .refine((s) => !s.enabled || s.rules.length === 0 || s.mail !== null || s.webhook !== null, { error: 'rules need somewhere to go: set mail or webhook (or both)' });
export type AlertSettings = z.infer<typeof alertSettings>;

export const EMPTY_ALERTS: AlertSettings = { enabled: true, rules: [], mail: null, webhook: null };

const timeZone = z
  .string()
  .min(1)
  .max(100)
  .refine(
    (tz) => {
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    },
    { error: 'must be an IANA time zone such as Europe/Paris or UTC' },
  );

export const summarySetting = z
  .object({
    id: ruleId,
    enabled: z.boolean().default(true),
    /** Local time of day it is sent, HH:MM. */
    time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'must be a time of day such as 08:00' }),
    timeZone,
    recipients: z.array(email).min(1).max(20),
    credential: z.string().trim().min(1).max(200),
    from: email.optional(),
    /** The flows it covers; empty: every flow of the install. */
    flows: z.array(z.string().min(1).max(100)).max(200).default([]),
  })
  .strict();
export type SummarySetting = z.infer<typeof summarySetting>;

export const summarySettings = z
  .object({
    summaries: z
      .array(summarySetting)
      .max(20)
      .default([])
      .refine((list) => new Set(list.map((s) => s.id)).size === list.length, { error: 'every summary needs its own id' }),
  })
  .strict();
export type SummarySettings = z.infer<typeof summarySettings>;
