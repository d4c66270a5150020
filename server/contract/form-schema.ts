import { z } from 'zod';

/**
 * A zod schema as the generated forms read it: JSON Schema (input side: defaults make a field
 * optional), each pattern with the sentence its rule gives when a value breaks it
 * (`patternMessage`), so a field can say "Use only letters, digits, _ and - in a port name…" as it
 * is typed instead of "Not in the expected format." (JSON Schema has no place for that sentence).
 */
export function formSchema(schema: z.ZodType): Record<string, unknown> {
  return z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
    override: (ctx) => {
      const message = patternMessage(ctx.zodSchema);
      if (message && typeof ctx.jsonSchema.pattern === 'string') ctx.jsonSchema.patternMessage = message;
    },
  }) as Record<string, unknown>;
}

type CheckDef = { check?: string; format?: string; error?: (issue: unknown) => unknown };

/** The message of a schema's own regex rule, when it gives one. */
function patternMessage(schema: unknown): string | undefined {
  const checks = (schema as { _zod?: { def?: { checks?: Array<{ _zod?: { def?: CheckDef } }> } } })._zod?.def?.checks ?? [];
  for (const c of checks) {
    const def = c._zod?.def;
    if (def?.check !== 'string_format' || def.format !== 'regex' || typeof def.error !== 'function') continue;
    try {
      const text = def.error({ code: 'invalid_format', format: 'regex', input: '' });
      if (typeof text === 'string' && text) return text;
      if (text && typeof text === 'object' && typeof (text as { message?: unknown }).message === 'string') return (text as { message: string }).message;
    } catch {
      /* a message made from the value: none to show ahead of it */
    }
  }
  return undefined;
}
