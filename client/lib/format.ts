export function timeAgo(iso: string | null | undefined): string {
  if (!iso) return '—';
  const t = new Date(iso).getTime();
  if (!Number.isFinite(t)) return '—';
  const s = Math.round((Date.now() - t) / 1000);
  if (s < 5) return 'just now';
  if (s < 60) return `${s}s ago`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 24) return `${h} h ago`;
  const d = Math.round(h / 24);
  if (d < 30) return `${d} d ago`;
  return new Date(iso).toLocaleDateString();
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isFinite(d.getTime()) ? d.toLocaleString() : '—';
}

export function duration(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
  const m = Math.floor(s / 60);
  const rs = Math.round(s % 60);
  if (m < 60) return `${m} min ${rs} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/**
 * How long a run took: to its end, or to now while it moves (`moving`). A run at rest without an
 * end (paused, safe-stopped, interrupted) has no known length: counting to now made a run that went
 * half a second before its Safe Stop "6 min" long in the runs list, and longer at every visit.
 */
/** `haltedMs`: the time the run stood still and was resumed from (RunSummary.haltedMs), not part of its length. */
export function runDuration(startedAt: string | null, endedAt: string | null, moving: boolean, haltedMs = 0): string {
  if (!startedAt) return '—';
  if (!endedAt && !moving) return '—';
  const end = endedAt ? new Date(endedAt).getTime() : Date.now();
  return duration(Math.max(0, end - new Date(startedAt).getTime() - haltedMs));
}

/** One formatter for every log line: toLocaleTimeString builds a new one at each call (slow in a 10,000-line log). */
let clockFormat: Intl.DateTimeFormat | null = null;

export function clockTime(iso: string): string {
  const d = new Date(iso);
  if (!Number.isFinite(d.getTime())) return '';
  clockFormat ??= new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit', second: '2-digit', hour12: false });
  return clockFormat.format(d) + '.' + String(d.getMilliseconds()).padStart(3, '0');
}

/** One number format for every call (toLocaleString builds one each time). */
let numberFormat: Intl.NumberFormat | null = null;

export function plural(n: number, word: string, pluralWord = `${word}s`): string {
  numberFormat ??= new Intl.NumberFormat();
  return `${numberFormat.format(n)} ${n === 1 ? word : pluralWord}`;
}
