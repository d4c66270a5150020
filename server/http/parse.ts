import { z } from 'zod';
import { ConveyorError } from '../errors.ts';
import { jsonPath, zodProblems, type FlowProblem } from '../contract/flow/problems.ts';

/** Validates a request body; bad input is refused with every problem and changes nothing. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const input = body ?? {};
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = zodProblems(result.error, [], input, 'The request body');
  throw new ConveyorError('E_BODY_INVALID', `The request body is invalid: ${problems.map((p) => `${p.path} ${p.message}`).join(' ')}`, 'Correct the listed fields (see docs/api.md) and send the request again.', 400, { problems });
}

/**
 * Validates a query (or a path's parameters). A key the route does not read is refused, not passed
 * over: `GET /api/runs?offset=100` (that list has no offset) answered its first page again and
 * again, `/api/review?flowid=…` (a typo) every flow's records as if filtered.
 */
export function parseQuery<S extends z.ZodType>(schema: S, query: unknown): z.infer<S> {
  const input = query ?? {};
  const result = ((schema instanceof z.ZodObject ? schema.strict() : schema) as S).safeParse(input);
  if (result.success) return result.data;
  const problems = zodProblems(result.error, [], input, 'The query').map((p) => repeatedKey(p, input) ?? p);
  throw new ConveyorError('E_QUERY_INVALID', `The query is invalid: ${problems.map((p) => `${p.path} ${p.message}`).join(' ')}`, 'Correct the query parameters (see docs/api.md).', 400, { problems });
}

/**
 * A key given more than once (`?limit=1&limit=2`) reaches a route as a list: said as such, rather
 * than as a value of the wrong kind the sender never wrote.
 */
function repeatedKey(problem: FlowProblem, query: unknown): FlowProblem | null {
  for (const [key, value] of Object.entries(query as Record<string, unknown>)) {
    if (Array.isArray(value) && problem.path === jsonPath([key])) {
      return { path: problem.path, message: `"${key}" is given ${value.length} times: give it once.` };
    }
  }
  return null;
}

/**
 * A record's number in a path (`…/records/:index`), as the studio writes it: 0, 1, 2… Number() also
 * read "0x0", " ", "-0" and "1e0" as records (a blank or a hex number answered record 0).
 */
export const recordIndexParam = z.string().regex(/^(0|[1-9][0-9]{0,14})$/, { error: 'must be a record number: 0, 1, 2…' }).transform(Number);
