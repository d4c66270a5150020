import { flowSettingsSchema, stepPolicySchema, type FlowSettings, type StepPolicy } from '../../server/contract/flow/schema.ts';
import { formSchema } from '../../server/contract/form-schema.ts';

type Obj = Record<string, unknown>;

/** Form-only hints added to the generated schema: examples in empty fields, what a list row is called. */
const POLICY_HINTS: Record<string, Obj> = {
  requiredInputs: { itemLabel: 'required field' },
  preCheck: { placeholder: 'e.g. $contains(email, "@")' },
  postCheck: { placeholder: 'e.g. response.status = 201' },
  timeoutMs: { placeholder: 'no timeout' },
  errorMap: { itemLabel: 'rule' },
};

/** The step policy form: the server's own schema, so titles, hints and limits are the same on both sides. */
export const policyJsonSchema = (() => {
  const full = formSchema(stepPolicySchema) as { properties?: Record<string, Obj> } & Obj;
  const properties: Record<string, Obj> = {};
  for (const [k, p] of Object.entries(full.properties ?? {})) properties[k] = { ...p, ...POLICY_HINTS[k] };
  return { ...full, properties } as Obj;
})();

/** Flow settings drawn by the generated form (concurrency has its own field above them). */
export const flowSettingsJsonSchema = (() => {
  const full = formSchema(flowSettingsSchema) as { properties?: Record<string, unknown> } & Record<string, unknown>;
  const { concurrency: _c, ...properties } = full.properties ?? {};
  if (properties.businessKey) properties.businessKey = { ...(properties.businessKey as Obj), placeholder: 'e.g. email' };
  return { ...full, properties } as Record<string, unknown>;
})();

const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);

/**
 * Leaves out what says nothing: empty text, empty lists, empty objects (recursively through nested
 * objects, not inside list items, so a row just added stays on screen). `undefined` when nothing is left.
 */
export function pruneEmpty(value: Obj | undefined): Obj | undefined {
  if (!isObj(value)) return undefined;
  const out: Obj = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) {
      if (v.length) out[k] = v;
      continue;
    }
    if (isObj(v)) {
      const inner = pruneEmpty(v);
      if (inner) out[k] = inner;
      continue;
    }
    out[k] = v;
  }
  return Object.keys(out).length ? out : undefined;
}

export function cleanPolicy(value: Obj | undefined): StepPolicy | undefined {
  return pruneEmpty(value) as StepPolicy | undefined;
}

/** The flow settings with the form's part cleaned; concurrency is always kept. */
export function cleanSettings(concurrency: number, rest: Obj | undefined): FlowSettings {
  return { ...(pruneEmpty(rest) ?? {}), concurrency } as FlowSettings;
}

/** How many policy settings are set (shown on the collapsed section). */
export function policySize(policy: StepPolicy | undefined): number {
  return policy ? Object.keys(pruneEmpty(policy as Obj) ?? {}).length : 0;
}
