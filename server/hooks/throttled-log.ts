/**
 * Log lines about refused hook requests, at most `perMinute` per hook address a minute: anyone can
 * send requests to a public address, and a flood of forged ones must not flood the server log. What
 * was left out is counted and said once the minute is over.
 */
export class ThrottledLog {
  private readonly windows = new Map<string, { start: number; written: number; dropped: number }>();

  constructor(
    private readonly write: (line: string) => void,
    private readonly perMinute = 20,
    private readonly now: () => number = Date.now,
  ) {}

  line(key: string, text: string): void {
    const t = this.now();
    let w = this.windows.get(key);
    if (!w || t - w.start >= 60_000) {
      if (w && w.dropped > 0) this.write(`${key}: ${w.dropped} more line${w.dropped === 1 ? ' was' : 's were'} left out of the log in the minute before (more than ${this.perMinute} a minute).`);
      // Random addresses must not grow this map without bound: past 1,000 keys it starts afresh.
      if (!w && this.windows.size >= 1000) this.windows.clear();
      w = { start: t, written: 0, dropped: 0 };
      this.windows.set(key, w);
    }
    if (w.written < this.perMinute) {
      w.written++;
      this.write(text);
    } else w.dropped++;
  }
}
