import { z } from 'zod';

/** The only format this version writes. Older formats are migrated on import (see migrate.ts). */
export const FLOW_FORMAT = 'conveyor.flow/v1';

const id = z
  .string({ error: 'must be a text id' })
  .min(1, { error: 'must not be empty' })
  .max(100, { error: 'must be at most 100 characters' })
  .regex(/^[A-Za-z0-9_.:-]+$/, { error: 'may only use letters, digits and _ . : -' });

export const positionSchema = z.object({
  x: z.number({ error: 'must be a number' }).finite(),
  y: z.number({ error: 'must be a number' }).finite(),
});

export const stepPolicySchema = z
  .object({
    /** Milliseconds before the step is cancelled with E_TIMEOUT. */
    timeoutMs: z.number().int().min(1).max(24 * 3600 * 1000).optional(),
    retries: z
      .object({
        maxAttempts: z.number().int().min(1).max(100).default(1),
        baseDelayMs: z.number().int().min(0).max(3600_000).default(500),
        maxDelayMs: z.number().int().min(0).max(3600_000).default(30_000),
      })
      .optional(),
  })
  .strict();

export const flowNodeSchema = z
  .object({
    id,
    type: z.string({ error: 'must name a node type' }).min(1, { error: 'must name a node type' }),
    name: z.string().max(200, { error: 'must be at most 200 characters' }).optional(),
    position: positionSchema,
    params: z.record(z.string(), z.unknown()).default({}),
    policy: stepPolicySchema.optional(),
    notes: z.string().max(5000).optional(),
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

export const flowSettingsSchema = z
  .object({
    concurrency: z.number().int().min(1, { error: 'must be at least 1' }).max(256, { error: 'must be at most 256' }).default(4),
  })
  .strict();

export const flowSchema = z
  .object({
    format: z.literal(FLOW_FORMAT, { error: `must be "${FLOW_FORMAT}"` }),
    id,
    name: z.string({ error: 'must be a text' }).trim().min(1, { error: 'must not be empty' }).max(200),
    description: z.string().max(5000).default(''),
    settings: flowSettingsSchema.default({ concurrency: 4 }),
    nodes: z.array(flowNodeSchema, { error: 'must be a list of nodes' }).max(2000),
    edges: z.array(flowEdgeSchema, { error: 'must be a list of edges' }).max(10000),
  })
  .strict();

export type FlowDocument = z.infer<typeof flowSchema>;
export type FlowNode = z.infer<typeof flowNodeSchema>;
export type FlowEdge = z.infer<typeof flowEdgeSchema>;
export type StepPolicy = z.infer<typeof stepPolicySchema>;
export type FlowSettings = z.infer<typeof flowSettingsSchema>;
