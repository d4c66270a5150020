// Text of docs/benchmarks.md kept by hand (bench/run.ts writes the page around it): the engine's own
// per-step costs before and after (issue 17, point 1), and the CPU profile recipe. The figures come from
// `node bench/compare-trees.mjs` runs, not from `npm run bench`: they stay as measured, with their date.

export const engineWalkSection = `### The engine's own walk: before and after (2026-12-05)

What the engine does per step besides the store, cut without changing what it commits (commits
\`b4a6c8b\`, \`a07b2d9\`): a step's context makes its logger, evidence sink, credentials, tracking and
Run flow calls only when the node uses them (one object a step instead of about a dozen objects and
closures; the Run flow host alone was seven closures a step, 2 % of the JSONata chain's CPU in the
profile below), what every step of a record shares is made once per record, steps without checks skip
their awaits, a record without fan-out gets no fan-out writer state, and the expression fast path
answers arithmetic on numbers, \`&\` on text and \`$length\` / \`$uppercase\` / \`$lowercase\` of text
without the JSONata evaluator (\`n * i + $length(name)\` no longer reaches it).

Measured with \`node bench/compare-trees.mjs <before> <after> 3 chain:10000:jsonata noop:5000 chain:10000:field\`:
*before* is commit \`c60a9f5\`, *after* the same commit with only \`b4a6c8b\` and \`a07b2d9\` applied (other
people's commits in between left out), each run a process of its own, before and after alternating
(the order flipped each round). *CPU* is the process's user + system time from the run's start to its
end, over the records; the load average (1 min) is the machine's as each run ended (2 cores shared
with other work).

| case | round | before CPU (per record) | after CPU (per record) | after / before | before wall | after wall | load avg before / after |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
| JSONata chain, 10,000 records | 1 | 9.13 s (0.913 ms) | 7.75 s (0.775 ms) | 0.85× | 29.5 s | 26.2 s | 14.5 / 14.4 |
| JSONata chain, 10,000 records | 2 | 15.75 s (1.575 ms) | 8.59 s (0.859 ms) | 0.55× | 81.4 s | 39.8 s | 41.0 / 28.4 |
| JSONata chain, 10,000 records | 3 | 12.68 s (1.268 ms) | 9.61 s (0.961 ms) | 0.76× | 69.8 s | 50.2 s | 29.7 / 37.2 |
| field chain, 10,000 records | 1 | 9.61 s (0.961 ms) | 7.86 s (0.786 ms) | 0.82× | 33.2 s | 31.8 s | 21.4 / 24.3 |
| field chain, 10,000 records | 2 | 8.32 s (0.832 ms) | 9.29 s (0.929 ms) | 1.12× | 38.9 s | 51.5 s | 26.1 / 30.1 |
| field chain, 10,000 records | 3 | 11.37 s (1.137 ms) | 9.13 s (0.913 ms) | 0.80× | 51.4 s | 46.2 s | 27.3 / 27.5 |
| no-op step, 5,000 records | 1 | 2.21 s (0.442 ms) | 2.35 s (0.471 ms) | 1.06× | 6.7 s | 8.1 s | 17.8 / 20.5 |
| no-op step, 5,000 records | 2 | 2.54 s (0.509 ms) | 3.00 s (0.601 ms) | 1.18× | 12.6 s | 11.0 s | 33.8 / 36.5 |
| no-op step, 5,000 records | 3 | 2.81 s (0.562 ms) | 2.82 s (0.565 ms) | 1.00× | 9.6 s | 11.3 s | 33.9 / 29.8 |
| no-op step, 5,000 records | 4 (later run) | 1.95 s (0.390 ms) | 1.92 s (0.384 ms) | 0.99× | 6.0 s | 5.5 s | 18.8 / 17.9 |
| no-op step, 5,000 records | 5 (later run) | 1.77 s (0.354 ms) | 1.92 s (0.384 ms) | 1.09× | 5.5 s | 4.5 s | 16.0 / 16.3 |
| no-op step, 5,000 records | 6 (later run) | 1.76 s (0.352 ms) | 1.86 s (0.373 ms) | 1.06× | 5.5 s | 5.4 s | 15.5 / 15.2 |
| no-op step, 5,000 records | 7 (later run) | 2.01 s (0.401 ms) | 1.74 s (0.347 ms) | 0.87× | 6.6 s | 5.9 s | 16.1 / 15.8 |

The JSONata chain's CPU per record fell in every round (0.85×, 0.55×, 0.76×: medians 1.268 → 0.859 ms),
the field chain's in two of three (0.82×, 1.12×, 0.80×); the no-op step shows no change this machine can
tell from its noise (seven rounds from 0.87× to 1.18×, medians 0.402 → 0.384 ms a record: its CPU is
the store's, below). The load average was 14–41 on 2 cores: single rounds swing by a third.
Profiles of the same two trees (compiled bundles, self time while records were walked, idle left out)
say the same with less noise: in a 10k JSONata chain the engine, the expressions and the nodes took
1.61 s before (engine 0.78, JSONata 0.69, expression code 0.09, set-fields 0.05) and 0.92 s after
(engine 0.72, expression code 0.14, set-fields 0.06, JSONata none), of 8–12 s; in the no-op case the
engine is 5–11 % of the samples and sql.js with the store 45–60 %. So the no-op figure the Node-RED
comparison shows (0.393 ms a record) is the store's cost, not the walk's, and the JSONata chain, still
about 4× Node-RED's function chain (0.223 ms), now spends its CPU in the store: of the after profile's
11.4 s of samples, sql.js and the store's code 7.0 s (applying the batch, spilling, the journal), Node's
buffers, files and CRC 1.4 s, the collector 0.9 s. What the engine could still give the
store is fewer bytes to write per step: see "Where the time goes".
`;

export const profileSection = `## Where the time goes: a CPU profile

Measure before changing anything. One case under V8's sampling profiler, then
\`bench/cpu-profile.mjs\`: the time by area (garbage collection, idle, the engine, the store, sql.js,
JSONata…), the heaviest functions by self time and our own functions by inclusive time, counted from
the first to the last sample with the record walker on the stack (start-up and the check after the
run left out; \`--all\` keeps them). It reads the largest profile of a folder (\`tsx\` writes a second,
small one for its loader thread); clear the folder between runs. The profile also opens in Chrome
DevTools → Performance → Load profile.

\`\`\`sh
rm -rf .tmp/prof && mkdir -p .tmp/prof
node --cpu-prof --cpu-prof-interval 250 --cpu-prof-dir=.tmp/prof --import tsx bench/engine-chain.ts 10000 64 jsonata
node bench/cpu-profile.mjs .tmp/prof 40
\`\`\`

Under \`tsx\` every frame of a source file reads as line 1. For line numbers (and the code as the
compiled build runs it), bundle the benchmark with a source map first; the script maps each frame back
to its source file and line:

\`\`\`sh
npx esbuild bench/engine-chain.ts --bundle --platform=node --format=esm --packages=external --sourcemap --outfile=.tmp/prof-build/chain.mjs
rm -rf .tmp/prof && node --cpu-prof --cpu-prof-interval 250 --cpu-prof-dir=.tmp/prof .tmp/prof-build/chain.mjs 10000 64 jsonata
node bench/cpu-profile.mjs .tmp/prof 40
\`\`\`

How much each part of the durable path costs, without a profiler's overhead: \`BENCH_DURABLE\` runs
the same case with the store cut short — \`engine\` (step commits answered at once), \`entries\` (each
step's journal entry made, not written), \`journal\` (written and synced, not applied to the database),
\`all\` (the default). Alternate them, a process each (figures: "The embedded store's own costs"):

\`\`\`sh
for part in engine entries journal all; do BENCH_DURABLE=$part node .tmp/prof-build/chain.mjs 10000 64 jsonata; done
\`\`\`

### Where the allocations go

The collector's CPU (much of it on V8's helper threads, which a CPU profile of the main thread does
not show; the bench's \`mainSeconds\` against \`cpuSeconds\` tells how much) follows what is allocated.
\`bench/alloc-profile.mjs\`, preloaded, records V8's sampling heap profile with the objects already
collected counted too; run alone it prints where they were allocated (self and inclusive, source lines
from the bundle's map):

\`\`\`sh
ALLOC_OUT=.tmp/alloc.heapprofile BENCH_DURABLE=all node --import ./bench/alloc-profile.mjs .tmp/prof-build/chain.mjs 10000 64 jsonata
node bench/alloc-profile.mjs .tmp/alloc.heapprofile 30
\`\`\`

Other cases the same way: \`bench/engine-chain.ts 10000 64 field\` (the fast path), \`… 5000 64 code\`
(the code step; its sandbox runs in worker threads, whose profiles are written to the same folder),
\`bench/code-step.ts 5000 noop\` (the engine with a step that does nothing),
\`CONVEYOR_FROM_BUILD=1 node --cpu-prof --cpu-prof-dir=.tmp/prof bin/conveyor.js validate flows/hello-records.json\`
(start-up, with \`--all\`: the areas name the \`node_modules\` package each sample is in).

Done since (see "The embedded store's own costs" above): a record row written at its start and end
(the updates in between held back by the applier), steps written once (held in memory, not inserted in
sql.js, until a read or a snapshot needs them), the spill's reads in chunks, SQLite's lock kept. What
the profile of a 10k JSONata chain shows after them (sql.js down from 43 % to 12 % of the samples): the
journal's encoding and deflating of each group commit (a quarter), the walk and the nodes (a quarter),
the spill's frames (an eighth), building each step's entry — its checkpoint is \`JSON.stringify\`-ed, then
the emitted data found in it by text (\`server/store/step-frame.ts\`); a checkpoint written around the data
instead would spare both — and the collector.

The whole process, kernel and every thread included, with Linux's \`perf\` (it runs here; V8 names
its compiled JavaScript with \`--perf-basic-prof\`):

\`\`\`sh
perf record -F 499 -g -o .tmp/perf.data -- node --perf-basic-prof bench/.build/code-step.js 20000 noop-steady
perf report -i .tmp/perf.data --no-children --sort dso -g none   # then --sort sym
\`\`\`

What it showed on 2026-12-06 (the no-op step, steady, 20,000 records, the whole process): the kernel
18 % of the samples — page faults 6 % (V8 allocating and first touching new heap pages, copies into
freshly mapped buffers) and futex wake-ups of the helper threads; threads other than the main one
1.7–1.9 s of the process's CPU (\`/proc/self/task\`), 0.86 s of it with V8's helper threads off
(\`--single-threaded\`: the journal's and the segments' writes and syncs in libuv's pool), the rest
V8's optimizing compiler and parallel scavenges. Tried, no gain beyond the noise (load 8–11, 4
rounds): \`--single-threaded-gc\`, \`--min-semi-space-size=16 --max-semi-space-size=32\`.

**Taken: the trigger's step is no longer run nor stored** (2026-12-06). Every record ran its trigger
as a step (\`core.manual-trigger\` and the other triggers pass the record on unchanged) and committed
it: a journal entry, a held step, a spilled row — one commit in two for a trigger and one step. A new
record now starts at the trigger's next nodes with its own data (\`enteredCheckpoint\`,
\`server/engine/token-graph.ts\`); its first commit counts the trigger's step (\`RecordUpdate.entered\`),
and the record's page shows it (\`entry-step.ts\`). Bundles of the commit before and after, 20,000
records, steady, paired rounds (load 2.5–3.2): the no-op step 0.96 → 0.66 s of CPU (−32 %), the code
step 1.62 → 1.34 s (−17 %) against Node-RED's function node 0.42 s (3.85× → 3.17×); for the 10-step
chain it is one commit in eleven.
`;
