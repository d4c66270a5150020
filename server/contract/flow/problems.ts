import type { z } from 'zod';

/** One thing wrong with a flow file: where (a JSON path like `$.nodes[2].params.url`) and what to do. */
export interface FlowProblem {
  path: string;
  message: string;
  /** Set on problems that have their own error code, e.g. E_EXPRESSION_INVALID for a bad expression. */
  code?: string;
  /** The node the problem is in, when it is in one node's settings. */
  nodeId?: string;
  /** 1-based character in the field's text where the mistake is (expressions, templates, patterns). */
  position?: number;
}

export function jsonPath(segments: ReadonlyArray<PropertyKey>): string {
  let out = '$';
  for (const seg of segments) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (typeof seg === 'string' && /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(seg)) out += `.${seg}`;
    else out += `[${JSON.stringify(String(seg))}]`;
  }
  return out;
}

/** Turns zod issues into sentences a person can act on. */
export function zodProblems(error: z.ZodError, prefix: ReadonlyArray<PropertyKey> = []): FlowProblem[] {
  return error.issues.map((issue) => {
    const path = jsonPath([...prefix, ...issue.path]);
    return { path, message: describeIssue(issue) };
  });
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const field = issue.path.length ? `"${String(issue.path[issue.path.length - 1])}"` : 'The file';
  switch (issue.code) {
    case 'invalid_type':
      if ((issue as { input?: unknown }).input === undefined) return `${field} is missing: add it (${issue.expected} expected).`;
      return `${field} ${issue.message.startsWith('must') ? issue.message : `must be ${issue.expected}`}; fix its value.`;
    case 'unrecognized_keys':
      return `Unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}: remove ${issue.keys.length > 1 ? 'them' : 'it'} or check the spelling.`;
    case 'invalid_value':
      return `${field} ${issue.message.startsWith('must') ? issue.message : `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`}.`;
    default:
      return `${field} ${issue.message.startsWith('must') ? issue.message : issue.message.charAt(0).toLowerCase() + issue.message.slice(1)}.`;
  }
}
