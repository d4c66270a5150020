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
`;
