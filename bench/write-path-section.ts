// The write path's measurements from session 28 on (docs/benchmarks.md, after the store's own costs):
// kept here, not in the page, because `npm run bench` writes the page anew from these sections.
export const writePathSection = `**2026-12-07 (session 28): the same ladder, a slower machine.** Bundle of \`dacce65\`, two rounds, load
1.8–2.3 (every figure about twice session 26's, Node-RED's too): engine 1.72 / 1.44 s, + entries
2.32 / 1.94, + journal 3.98 / 3.42, all 6.21 / 6.99 s; Node-RED's function chain 3.12 / 3.55 s — the
whole store 2.0× Node-RED, as before. A profile under load (\`--cpu-prof\`, 1 ms) put making entries
(\`commitStepOp\`, \`stepEntry\`) at 12 % of the walk's time, applying group commits 13 % (the held record
updates and audit events 6 %), the spill 9 %, packing and writing the journal 12 %. No change to the
write path this session; the conclusion stands.

**2026-12-07 (session 29): whose CPU it is.** Bundles of \`15b4c1f\`, load 1.3–1.8, three interleaved
rounds at 10,000 records: engine 0.93 / 1.25 / 0.90 s, + entries 1.22 / 1.34 / 1.26, + journal
2.13 / 2.12 / 2.11, all 3.65 / 3.70 / 4.00; Node-RED's function chain 2.41 / 1.81 / 1.81 — 1.5–2.2×,
about 2.0× paired. At 100,000 records (one run each): all 34.9 s (main thread 26.4, system 4.4, peak
RSS 361 MB), engine 4.8 s; Node-RED 18.3 / 17.8 s (peak 485 / 504 MB) — 1.9–2.0×. New figures:
- *A third of the process's CPU is not the main thread's* (\`mainSeconds\`, now in the bench's output):
  engine 0.9–1.2 s of which main 0.37–0.49; journal 1.9–2.3 (main 1.1–1.3); all 3.4–3.7 (main
  2.06–2.19). The rest is V8's helper threads (the collector's parallel scavenges and concurrent
  marking, the optimizing compilers) and libuv's pool. Opening the store and waiting 2–3 s before the
  run (as a studio that has been up) takes 0.3 s off every case: sql.js's WebAssembly is tiered up by
  the compiler in the background after the open, a one-time cost inside the 10,000-record window.
- *Allocation* (\`bench/alloc-profile.mjs\`, below): 1.39 GB allocated in the 10,000-record run, about
  12 KB a step — the walk 165 MB, the step runner 153, making entries (\`commitStepOp\`, \`stepEntry\`,
  the checkpoint's text) 280, the spill's rows 75, packing 54. Short-lived, but the records wait for
  their group commit, so much of it outlives a scavenge.
- *A group commit costs about 0.4 ms of CPU besides its entries*: \`journal\` at concurrency 16 (6,875
  groups) 3.9 s against 1.9–2.2 s at 64 (1,720), 0.17 ms of it the kernel's; at 256, 2.1–2.2 s (no
  less than 64: more records in flight cost what fewer groups save). In a microbenchmark (2,000 groups
  of 10 KB written and fdatasynced) the \`fs/promises\` calls cost 0.46–0.68 s of CPU, the same calls
  made synchronously 0.19–0.36, a synchronous write before an asynchronous fdatasync 0.30–0.56: the
  pool's two hand-offs are about 0.15 ms a group. Not adopted: a synchronous fdatasync blocks the
  studio's event loop for as long as the disk takes, and the saving (≈ 0.25 s per 10,000 records)
  could not be shown in the full case under the load of the day (paired rounds ± 0.5 s).
- *What the database's part is made of* (the store with one part turned off, settled, three rounds):
  no record start/end audit events −0.25 s (6 %), no spill (steps left in memory) −0.4 to −0.5 s
  (12 %); the applier's held updates and steps, its batches and snapshots the rest of the 1.5 s
  between \`journal\` and \`all\`.
- V8 flags, three rounds each: \`--v8-pool-size=1\`, \`=2\`, \`--single-threaded-gc\`, \`--single-threaded\`:
  none better beyond the noise.
The conclusion stands: the journal alone (\`journal\`, 2.1 s) is already Node-RED's whole chain, so
point 1 needs both the write path redesigned (the database's part during a run near nothing) and a
cheaper journal (fewer, larger group commits or cheaper ones), not cuts.

**2026-12-08 (session 30): what a group commit costs, and the floor it sets.** Bundles of \`289ccff\`,
load 0.4–0.7 (before a helper's test runs loaded the machine), two interleaved rounds at 10,000
records: engine 0.50 / 0.59 s, + entries 0.98 / 0.90, + journal 1.71 / 1.77, all 2.85 / 2.85;
Node-RED's function chain 1.42 / 1.45 (2.0×). The same chain with more records in flight, one
process each, alternating (load 1.4): concurrency 64 2.88 / 3.14 s, 128 2.58 / 2.68, 256 2.43 / 2.74
(1,573 group commits at 64, 403 at 256: fewer, larger groups are most of the difference, the kernel's
time 0.37 → 0.13–0.24 s). \`bench/group-commit-floor.ts\` (new) measures a group commit apart from its
steps: 64 writers each submitting its next step entry once the last one is durable (the chain's
shape at concurrency 64, 1,563 groups), a no-op apply, each mode a process, three interleaved rounds
(load 4.6), CPU a group:

| mode | CPU ms a group | of it system | wall ms a group |
| --- | ---: | ---: | ---: |
| the journal as it was (\`fs/promises\` write and fdatasync) | 0.54–0.57 | 0.17–0.18 | 1.09–2.14 |
| the same calls made blocking | 0.37–0.42 | 0.10–0.13 | 0.70–1.23 |
| written, not synced | 0.18–0.33 | 0.02–0.05 | 0.18–0.41 |
| neither written nor synced (the frame still made and packed) | 0.18–0.21 | 0.01–0.03 | 0.17–0.23 |
| not written; the main thread blocked 0.4 ms instead of syncing | 0.29–0.31 | 0.03–0.04 | 0.79–1.05 |

The last row is the surprise: *waiting* costs CPU. Blocking the main thread for 0.4 ms, no system
call made, adds 0.1 ms of CPU to the work that follows (the same with \`--single-threaded\` and
\`--no-memory-reducer\`: not V8's helpers; a core that went idle comes back with cold caches). And a
hand-off to libuv's pool and back costs 10–35 µs of CPU a call (\`fs.write\` and \`fs.fdatasync\`
through callbacks or promises alike, measured apart, 5,000 calls each), against 2–3 µs for
\`fs.writeSync\` and 11–14 µs for \`fs.fdatasyncSync\`. So the journal now makes its write and sync
blocking while its syncs are fast (\`sync-timing.ts\`: a moving average under 1.5 ms after 8 syncs
through the pool, one of 5 ms or more back to the pool at once): the chain at 10,000 records, six
interleaved rounds at load 5–6, 3.54 → 3.44 s of CPU (mean; medians 3.57 → 3.43), wall 5.8 → 5.0 s;
in the run 86 % of the syncs were blocking, 0.76–0.81 ms each on average.

What this says of point 1: at concurrency 64 the rule "every step durable before its record moves
on" makes 1,563 group commits of a 10,000-record chain, and each costs about 0.3 ms of CPU before
any of its steps is made or applied — the wait's tax and the two system calls, 0.45–0.5 s in all, a
third of Node-RED's whole chain. With the engine (0.5–0.6 s) and the entries (0.35–0.4 s) that is
already 1.3–1.5 s: at Node-RED's 1.4 s, nothing is left for packing the journal, applying it, the
step segments and the snapshots. Meeting point 1 at this concurrency needs fewer waits, not cheaper
steps: more records in flight (the groups grow with them: 256 at once gives 403 groups), or durable
points shared by several steps of a record (its pure steps — no side effect, \`effect: 'none'\` —
committed with the next step that has one or with its end; a crash would run them again), which
changes what a commit promises and is not done here.
`;
