import type { Json } from '../../sdk/types.ts';

/**
 * Tokens a model call used, as OpenAI-compatible servers report them (`usage`). Each call of an AI
 * step writes one log line carrying them under `TOKEN_USAGE_KEY`; the run report sums those lines
 * (server/report/token-usage.ts), so answers that were retried, or whose step failed in the end,
 * are counted too: they were paid for all the same.
 */
export interface TokenUsage {
  prompt: number;
  completion: number;
  total: number;
}

/** The key of a log line's data that holds a call's `TokenUsage`. */
export const TOKEN_USAGE_KEY = 'tokenUsage';

export const NO_USAGE: TokenUsage = { prompt: 0, completion: 0, total: 0 };

export function addUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  return { prompt: a.prompt + b.prompt, completion: a.completion + b.completion, total: a.total + b.total };
}

/** A log line's data → the usage it carries, or null (any other line). */
export function usageOf(data: Json | null | undefined): TokenUsage | null {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return null;
  const u = data[TOKEN_USAGE_KEY];
  if (u === null || typeof u !== 'object' || Array.isArray(u)) return null;
  const n = (v: Json | undefined): number => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0);
  return { prompt: n(u.prompt), completion: n(u.completion), total: n(u.total) };
}
