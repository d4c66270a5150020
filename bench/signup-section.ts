// The signup template's section of docs/benchmarks.md (bench/run.ts), from bench/signup-template.ts's figures.
export interface SignupResult {
  concurrency: number;
  variant?: 'before' | 'after' | 'no-wait';
  rows: number;
  succeeded?: number;
  seconds: number;
  recordsPerMin: number;
  /** The latency of the pages' logo, hero picture and font (demo/page-weight.ts); null: bare pages. */
  assetLatencyMs?: number | null;
  /** Average ms of the steps that load a page. */
  pageSteps?: Record<string, number>;
  loadavg?: number[];
  note?: string;
}

const ms = (v: number | undefined): string => (v === undefined ? '–' : `${v} ms`);

export function signupMarkdown(signup: SignupResult[]): string {
  const notes = [...new Set(signup.map((r) => r.note).filter(Boolean))];
  return `## Signup with an email code (template), against the demo site and Dovecot

\`flows/signup-with-email-code.json\` end to end: real Chromium opens the demo signup site, fills
and submits the form, waits for the one-time code in a real Dovecot mailbox, enters it and checks
the welcome page; every step committed durably. \`BENCH_SIGNUP_ROWS\` rows (default 100) at each
concurrency (\`BENCH_SIGNUP_CONCURRENCY\`, default 1 and 4). The site's pages load what a real
signup page loads besides its form (\`demo/page-weight.ts\`): a logo, a 250 KB hero picture and a
356 KB heading font, each answered 60 ms after it is asked for (\`BENCH_SIGNUP_LATENCY_MS\`, as
from a content network a round trip away; \`none\`: the bare form pages, where only the reuse can
gain). *Before*: a new browser window (context) per record, everything downloaded; *after*: the
template's open step as shipped, reusing reset windows between records and skipping images, fonts
and media. The variants run one after the other in the same run (\`BENCH_SIGNUP_VARIANTS\`;
\`no-wait\`, the fills' **Wait for the page** at 0, is a third). *Open*, *submit*, *confirm*: the
average time of the steps that load a page.

| concurrency | variant | asset latency | rows | succeeded | time | records/min | open | submit | confirm | load average |
| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |
${signup.map((r) => `| ${r.concurrency} | ${r.variant ?? 'after'} | ${r.assetLatencyMs == null ? 'bare pages' : `${r.assetLatencyMs} ms`} | ${r.rows} | ${r.succeeded ?? r.rows} | ${r.seconds.toFixed(1)} s | ${r.recordsPerMin} | ${ms(r.pageSteps?.open)} | ${ms(r.pageSteps?.submit)} | ${ms(r.pageSteps?.confirm)} | ${r.loadavg?.join(' / ') ?? '–'} |`).join('\n')}
${notes.length ? `\n${notes.join(' ')}\n` : ''}
Where *after* gains: its open step skips the logo, the hero picture and the font (the 60 ms each
and their decoding), and takes a window the last record's reset left with a blank page already made
(\`context-pool.ts\`): a context left with no page was slow to give one again — 10 rows at
concurrency 1, alternating, load 6–11 (2026-12-06): the open step 1,574–1,667 ms with the page made
when the record started, 770–790 ms with the page made at the reset. On the bare form pages (no
picture, no font: nothing to skip, \`BENCH_SIGNUP_LATENCY_MS=none\`), the reuse alone: 60 rows a
case at concurrency 1, before / after / before / after in one run (2026-12-06, load 6.7–9): 16.4 /
31.5 / 21.3 / 27.6 records/min, the open step 1,165 / 301 / 870 / 328 ms. Before the reset made the
blank page, the same pages gave 24.3 (before) and 24.5 (after) at 100 rows: the reuse saved nothing.

On 2 cores Chromium takes all the CPU: more concurrency makes each browser step slower rather than
the run faster. Earlier, on a quiet machine, 100 rows ran at 70.8, 63.7 and 63.7 records/min
(concurrency 1, 4, 8) with a new window per record.

`;
}
