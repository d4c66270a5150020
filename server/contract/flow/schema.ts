import { z } from 'zod';
import { parseAllowEntry } from '../allow-list.ts';

/** The only format this version writes. Older formats are migrated on import (see migrate.ts). */
export const FLOW_FORMAT = 'conveyor.flow/v1';

const id = z
  .string({ error: 'must be a text id' })
  .min(1, { error: 'must not be empty' })
  .max(100, { error: 'must be at most 100 characters' })
  .regex(/^[A-Za-z0-9_.:-]+$/, { error: 'may only use letters, digits and _ . : -' });

/**
 * A canvas coordinate. Stored rounded to 0.1 (see serialize.ts): beyond ±1e15 that rounding loses
 * the value (1e308 × 10 overflows to Infinity, stored as null), so such numbers are refused.
 */
const coordinate = () =>
  z
    .number({ error: 'must be a number' })
    .finite()
    .min(-1e15, { error: 'must be between -1000000000000000 and 1000000000000000 (a canvas position)' })
    .max(1e15, { error: 'must be between -1000000000000000 and 1000000000000000 (a canvas position)' });

export const positionSchema = z.object({
  x: coordinate(),
  y: coordinate(),
});

/** Numbers JSON cannot store (1e999 parses to Infinity and would be saved as null): refused with their path. */
function refuseUnstorableNumbers(value: unknown, ctx: z.RefinementCtx, path: (string | number)[] = [], depth = 0): void {
  if (depth > 200) return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) ctx.addIssue({ code: 'custom', path, message: 'is a number too large to be stored (it would be saved as null): use a smaller number, or text' });
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => refuseUnstorableNumbers(v, ctx, [...path, i], depth + 1));
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) refuseUnstorableNumbers(v, ctx, [...path, k], depth + 1);
  }
}

export const errorRuleSchema = z
  .object({
    match: z
      .string()
      .min(1, { error: 'must not be empty' })
      .max(500)
      .describe('A pattern (regular expression) tried on the error code and the error message, e.g. E_HTTP_STATUS or "already exists".')
      .meta({ title: 'When the error matches', syntax: 'regex' }),
    code: z.string().regex(/^E_[A-Z0-9_]+$/, { error: 'must look like E_SOMETHING' }).optional().describe('Give the error this code instead (optional), e.g. E_ALREADY_REGISTERED.').meta({ title: 'Use code' }),
    class: z.enum(['business', 'transient']).default('business').describe('Transient: may pass if tried again (timeouts, busy servers). Business: will fail the same way again.').meta({ title: 'Kind' }),
    action: z
      .enum(['retry', 'review', 'fail', 'skip', 'stop'])
      .default('fail')
      .describe('retry: try the step again (within the retry settings); review: send the record to the review queue; fail: end the record as failed; skip: end it as skipped; stop: safe-stop the whole run.')
      .meta({ title: 'Then' }),
  })
  .strict();

export const stepPolicySchema = z
  .object({
    requiredInputs: z
      .array(z.string().min(1).max(200))
      .max(100)
      .optional()
      .describe('Fields the record must have (not empty) before this step runs, e.g. email. A record without them fails with E_REQUIRED_INPUT_MISSING.')
      .meta({ title: 'Required inputs' }),
    preCheck: z
      .string()
      .max(5000)
      .optional()
      .describe('An expression that must hold for the record before the step runs, e.g. $contains(email, "@"). Otherwise the record fails with E_PRECHECK_FAILED.')
      .meta({ title: 'Pre-check', widget: 'expression', allowEmpty: true }),
    postCheck: z
      .string()
      .max(5000)
      .optional()
      .describe('An expression that must hold after the step for it to count as done. $ is the record after the step, $input the record before it, e.g. response.status = 201. Otherwise E_POSTCHECK_FAILED.')
      .meta({ title: 'Post-check (success criteria)', widget: 'expression', allowEmpty: true }),
    /** Milliseconds before the step is cancelled with E_TIMEOUT. */
    timeoutMs: z.number().int().min(1).max(24 * 3600 * 1000).optional().describe('Cancel the step after this many milliseconds (E_TIMEOUT).').meta({ title: 'Timeout (ms)' }),
    retries: z
      .object({
        maxAttempts: z.number().int().min(1).max(100).default(1).describe('How many times the step may run in all (1 = no retry).').meta({ title: 'Max attempts' }),
        baseDelayMs: z.number().int().min(0).max(3600_000).default(500).describe('Wait before the first retry; doubles each time, with some randomness.').meta({ title: 'First delay (ms)' }),
        maxDelayMs: z.number().int().min(0).max(3600_000).default(30_000).describe('The wait between attempts never grows beyond this.').meta({ title: 'Max delay (ms)' }),
      })
      .optional()
      .meta({ title: 'Retries' }),
    errorMap: z
      .array(errorRuleSchema)
      .max(100)
      .optional()
      .describe('Rules tried in order when the step fails: the first whose pattern matches decides the code, kind and what happens next.')
      .meta({ title: 'Error handling' }),
  })
  .strict();

/** The longest name a flow or a step may have (characters). */
export const NAME_MAX = 200;

/**
 * Characters a flow or step name may not hold: control characters (a line break, a tab, NUL, the C1
 * block) and the Unicode line and paragraph separators. A name is one line wherever it is shown — the
 * canvas, the runs list, a report's title, a CSV export, the CLI's tables, a download's file name —
 * and such a character broke those lines or was shown as nothing.
 */
const NAME_CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** What is wrong with a name's characters ("holds a line break (…)"), or null when nothing is. */
export function nameCharacterProblem(name: string): string | null {
  const m = NAME_CONTROL.exec(name);
  if (!m) return null;
  const c = m[0];
  const what = c === '\n' || c === '\r' || c === '\u2028' || c === '\u2029' ? 'a line break' : c === '\t' ? 'a tab' : 'a control character';
  return `holds ${what} (U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')} at character ${m.index + 1}): a name is one line of visible text`;
}

const oneLineName = (v: string, ctx: z.RefinementCtx) => {
  const problem = nameCharacterProblem(v);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
};

export const flowNodeSchema = z
  .object({
    id,
    type: z.string({ error: 'must name a node type' }).min(1, { error: 'must name a node type' }),
    name: z.string().max(NAME_MAX, { error: `must be at most ${NAME_MAX} characters` }).superRefine(oneLineName).optional(),
    position: positionSchema,
    params: z
      .record(z.string(), z.unknown())
      .default({})
      .superRefine((v, ctx) => refuseUnstorableNumbers(v, ctx)),
    policy: stepPolicySchema.optional(),
    notes: z.string().max(5000).optional(),
    /** A disabled node passes every record through unchanged on its first output port (see compiled-flow.ts). */
    disabled: z.boolean({ error: 'must be true or false' }).optional(),
  })
  .strict();

/** The colours a sticky note can have on the canvas. */
export const NOTE_COLORS = ['yellow', 'blue', 'green', 'pink', 'gray'] as const;

/** A sticky note on the canvas: text for people, never run. */
export const flowNoteSchema = z
  .object({
    id,
    position: positionSchema,
    size: z
      .object({
        width: z.number({ error: 'must be a number' }).finite().min(80, { error: 'must be at least 80' }).max(4000, { error: 'must be at most 4000' }),
        height: z.number({ error: 'must be a number' }).finite().min(40, { error: 'must be at least 40' }).max(4000, { error: 'must be at most 4000' }),
      })
      .strict()
      .optional(),
    text: z.string({ error: 'must be a text' }).max(10_000, { error: 'must be at most 10000 characters' }).default(''),
    color: z.enum(NOTE_COLORS, { error: `must be one of ${NOTE_COLORS.join(', ')}` }).optional(),
  })
  .strict();

export const flowEdgeSchema = z
  .object({
    id,
    source: id,
    sourcePort: z.string().min(1).default('out'),
    target: id,
    targetPort: z.string().min(1).default('in'),
  })
  .strict();

export const safeStopSchema = z
  .object({
    window: z.number().int().min(1).max(100_000).default(50).describe('How many of the latest finished records are looked at.').meta({ title: 'Window (records)' }),
    minSamples: z.number().int().min(1).max(100_000).default(20).describe('No decision before this many records have finished.').meta({ title: 'Minimum records' }),
    threshold: z.number().min(0).max(1).default(0.5).describe('Stop when the share of failed records in the window goes above this (0.5 = 50%).').meta({ title: 'Error rate threshold' }),
  })
  .strict();

export const flowSettingsSchema = z
  .object({
    concurrency: z.number().int().min(1, { error: 'must be at least 1' }).max(256, { error: 'must be at most 256' }).default(4),
    businessKey: z
      .string()
      .max(200)
      .optional()
      .describe('A field that identifies a record, e.g. email. A record whose key already succeeded in this flow, whose last attempt waits for review or is in doubt, or that appears twice in one input, is skipped.')
      .meta({ title: 'Business key' }),
    maxFanOut: z
      .number()
      .int()
      .min(2, { error: 'must be at least 2' })
      .max(1_000_000, { error: 'must be at most 1,000,000' })
      .optional()
      .describe('How many records one step (a Split) may make of one record at most; past it the step fails with E_FANOUT_LIMIT. Default 10,000.')
      .meta({ title: 'Most records from one record' }),
    maxFanOutPerRun: z
      .number()
      .int()
      .min(2, { error: 'must be at least 2' })
      .max(100_000_000, { error: 'must be at most 100,000,000' })
      .optional()
      .describe('How many records the steps of one run may make by splitting, in all; past it a step fails with E_FANOUT_LIMIT. Default 1,000,000.')
      .meta({ title: 'Most split records per run' }),
    safeStop: safeStopSchema.optional().describe('Stop the run safely when too many records fail in a row of records.').meta({ title: 'Safe Stop' }),
    allowHosts: z
      .array(
        z
          .string()
          .trim()
          .min(1, { error: 'must not be empty' })
          .max(300)
          .refine((v) => typeof parseAllowEntry(v) !== 'string', { error: 'must be a host (localhost, intranet.example), an address with an optional port (127.0.0.1:3100, [::1]:8080) or a range (10.0.0.0/8)' }),
      )
      .max(100)
      .optional()
      .describe('Local and private hosts this flow\'s HTTP and browser steps may reach, e.g. 127.0.0.1:3100 or intranet.example. Steps cannot reach this computer, link-local (cloud metadata) or private network addresses otherwise.')
      .meta({ title: 'Allowed hosts' }),
  })
  .strict();

export const flowSchema = z
  .object({
    format: z.literal(FLOW_FORMAT, { error: `must be "${FLOW_FORMAT}"` }),
    id,
    name: z.string({ error: 'must be a text' }).trim().min(1, { error: 'must not be empty' }).max(NAME_MAX).superRefine(oneLineName),
    description: z.string().max(5000).default(''),
    settings: flowSettingsSchema.default({ concurrency: 4 }),
    nodes: z.array(flowNodeSchema, { error: 'must be a list of nodes' }).max(2000),
    edges: z.array(flowEdgeSchema, { error: 'must be a list of edges' }).max(10000),
    notes: z.array(flowNoteSchema, { error: 'must be a list of sticky notes' }).max(500).optional(),
  })
  .strict()
  .superRefine((flow, ctx) => {
    const seen = new Set<string>();
    flow.notes?.forEach((note, i) => {
      if (seen.has(note.id)) ctx.addIssue({ code: 'custom', path: ['notes', i, 'id'], message: `is used by another note ("${note.id}"): every note needs its own id` });
      seen.add(note.id);
    });
  });

export type FlowDocument = z.infer<typeof flowSchema>;
export type FlowNode = z.infer<typeof flowNodeSchema>;
export type FlowEdge = z.infer<typeof flowEdgeSchema>;
export type FlowNote = z.infer<typeof flowNoteSchema>;
export type StepPolicy = z.infer<typeof stepPolicySchema>;
export type ErrorRule = z.infer<typeof errorRuleSchema>;
export type FlowSettings = z.infer<typeof flowSettingsSchema>;
export type SafeStopSettings = z.infer<typeof safeStopSchema>;
