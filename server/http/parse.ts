import type { z } from 'zod';
import { ConveyorError } from '../errors.ts';
import { zodProblems } from '../contract/flow/problems.ts';

/** Validates a request body; bad input is refused with every problem and changes nothing. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  const problems = zodProblems(result.error);
  throw new ConveyorError('E_BODY_INVALID', `The request body is invalid: ${problems.map((p) => `${p.path} ${p.message}`).join(' ')}`, 'Correct the listed fields (see docs/api.md) and send the request again.', 400, { problems });
}

export function parseQuery<S extends z.ZodType>(schema: S, query: unknown): z.infer<S> {
  const result = schema.safeParse(query ?? {});
  if (result.success) return result.data;
  const problems = zodProblems(result.error);
  throw new ConveyorError('E_QUERY_INVALID', `The query is invalid: ${problems.map((p) => `${p.path} ${p.message}`).join(' ')}`, 'Correct the query parameters (see docs/api.md).', 400, { problems });
}
