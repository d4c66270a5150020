/** Wall-clock dates and times in an IANA time zone (Intl only, no library). */

const formats = new Map<string, Intl.DateTimeFormat>();

function format(timeZone: string): Intl.DateTimeFormat {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formats.set(timeZone, f);
  }
  return f;
}

function parts(ms: number, timeZone: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of format(timeZone).formatToParts(new Date(ms))) if (p.type !== 'literal') out[p.type] = Number(p.value);
  return out;
}

/** The local day (YYYY-MM-DD) and minute of the day of an instant. */
export function localTime(ms: number, timeZone: string): { day: string; minuteOfDay: number } {
  const p = parts(ms, timeZone);
  const day = `${String(p.year).padStart(4, '0')}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
  return { day, minuteOfDay: p.hour * 60 + p.minute };
}

/** How far the zone's wall clock is ahead of UTC at an instant, in ms. */
function offset(ms: number, timeZone: string): number {
  const p = parts(ms, timeZone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(ms / 1000) * 1000;
}

/** The instant a local day and time (HH:MM) happen in the zone (in a DST gap: the time just after it). */
export function instantOf(day: string, time: string, timeZone: string): number {
  const [y, m, d] = day.split('-').map(Number);
  const [hh, mm] = time.split(':').map(Number);
  const wall = Date.UTC(y, m - 1, d, hh, mm);
  let at = wall - offset(wall, timeZone);
  // Once more with the offset at that instant (the first guess may sit across a DST change).
  at = wall - offset(at, timeZone);
  return at;
}

/** The day before a local day (YYYY-MM-DD). */
export function previousDay(day: string): string {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d - 1)).toISOString().slice(0, 10);
}
