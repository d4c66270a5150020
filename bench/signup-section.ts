// The signup template's section of docs/benchmarks.md (bench/run.ts), from bench/signup-template.ts's figures.
export interface SignupResult { concurrency: number; variant?: 'before' | 'after' | 'no-wait'; rows: number; succeeded?: number; seconds: number; recordsPerMin: number; note?: string }

export function signupMarkdown(signup: SignupResult[]): string {
  const notes = [...new Set(signup.map((r) => r.note).filter(Boolean))];
  return `## Signup with an email code (template), against the demo site and Dovecot

\`flows/signup-with-email-code.json\` end to end: real Chromium opens the demo signup site, fills
and submits the form, waits for the one-time code in a real Dovecot mailbox, enters it and checks
the welcome page; every step committed durably. \`BENCH_SIGNUP_ROWS\` rows (default 100) at each
concurrency (\`BENCH_SIGNUP_CONCURRENCY\`, default 1 and 4). *Before*: a new browser window
(context) per record, everything downloaded; *after*: the template's open step as shipped, reusing
reset windows between records and skipping images, fonts and media (the demo site has none, so
here the gain is the reuse's). *No-wait*: the template with its fills' **Wait for the page** at 0 —
each field checked at once instead of watched until unchanged for 500 ms (what a fill cost before
that watch). The variants run one after the other in the same run.

| concurrency | variant | rows | succeeded | time | records/min |
| ---: | --- | ---: | ---: | ---: | ---: |
${signup.map((r) => `| ${r.concurrency} | ${r.variant ?? 'after'} | ${r.rows} | ${r.succeeded ?? r.rows} | ${r.seconds.toFixed(1)} s | ${r.recordsPerMin} |`).join('\n')}
${notes.length ? `\n${notes.join(' ')}\n` : ''}
On 2 cores Chromium takes all the CPU: more concurrency makes each browser step slower rather than
the run faster. Earlier, on a quiet machine, 100 rows ran at 70.8, 63.7 and 63.7 records/min
(concurrency 1, 4, 8) with a new window per record.

`;
}
