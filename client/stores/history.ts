/**
 * Undo/redo history of document snapshots (never of selection or viewport). Consecutive edits that
 * share a coalesce key within `windowMs` (typing in one field) make a single undo step.
 */
export interface History<S> {
  past: S[];
  future: S[];
  lastKey: string | null;
  lastAt: number;
}

export const HISTORY_LIMIT = 200;

export function emptyHistory<S>(): History<S> {
  return { past: [], future: [], lastKey: null, lastAt: 0 };
}

/** Records `before` as an undo step, unless it continues the previous coalesced edit. */
export function record<S>(h: History<S>, before: S, key: string | null = null, now = Date.now(), windowMs = 1200): History<S> {
  if (key && h.lastKey === key && now - h.lastAt < windowMs) {
    return { ...h, future: [], lastAt: now };
  }
  const past = h.past.length >= HISTORY_LIMIT ? [...h.past.slice(1), before] : [...h.past, before];
  return { past, future: [], lastKey: key, lastAt: now };
}

export function undo<S>(h: History<S>, current: S): { history: History<S>; snapshot: S } | null {
  if (!h.past.length) return null;
  const snapshot = h.past[h.past.length - 1];
  return { history: { past: h.past.slice(0, -1), future: [current, ...h.future], lastKey: null, lastAt: 0 }, snapshot };
}

export function redo<S>(h: History<S>, current: S): { history: History<S>; snapshot: S } | null {
  if (!h.future.length) return null;
  const [snapshot, ...future] = h.future;
  return { history: { past: [...h.past, current], future, lastKey: null, lastAt: 0 }, snapshot };
}
