import type { StepErrorInfo } from '../contract/node-error.ts';
import type { SafeStopSettings } from '../contract/flow/schema.ts';

/** Watches the error rate over the last `window` finished records and says when to stop. */
export class SafeStopWindow {
  private readonly outcomes: boolean[] = [];
  private failures = 0;

  constructor(private readonly settings: SafeStopSettings) {}

  /** Records one finished record; returns the reason to stop when the threshold is passed. */
  push(failed: boolean): StepErrorInfo | null {
    this.outcomes.push(failed);
    if (failed) this.failures++;
    if (this.outcomes.length > this.settings.window && this.outcomes.shift()) this.failures--;
    const n = this.outcomes.length;
    if (n < this.settings.minSamples) return null;
    const rate = this.failures / n;
    if (rate <= this.settings.threshold) return null;
    const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;
    return {
      code: 'E_SAFE_STOP',
      message: `Safe Stop: ${this.failures} of the last ${n} records failed (${pct(rate)}), above the threshold of ${pct(this.settings.threshold)}. The run stopped after the records under way.`,
      hint: 'Look at the failed records for the common cause (a site down, a wrong setting), fix it, then press Resume.',
      transient: false,
    };
  }
}
