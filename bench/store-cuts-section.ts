// Hand-entered: the embedded store's per-step and per-record costs cut on 2026-12-05 (issue 17),
// measured side by side as written below; docs/benchmarks.md shows it after the engine's walk.
export const storeCutsSection = `### The embedded store's own costs: before and after (2026-12-05, later)

Profiles of a run of no-op steps (\`bench/code-step.ts 20000 noop\`: a trigger and one set-fields step
that sets nothing, so what is left is the engine and the store) put 47 % of its CPU in moving finished
records' steps to the step segments (\`archive/spill.ts\`) and a tenth in sql.js's in-memory file system
answering, by throwing an error, SQLite's look for a hot journal at every transaction. Three cuts, each
leaving what is written and when it is durable as it was:

- *SQLite keeps its lock* (\`PRAGMA locking_mode = EXCLUSIVE\`, \`server/store/schema.sql.ts\`): one
  connection ever opens the database, so it needs no look for another's journal per transaction.
- *The spill reads finished records in chunks*: the statuses, steps and earlier spills of up to 200
  records in three range queries, instead of three statements per record (a sparse chunk — retried
  or long-running records — is still read record by record; \`tests/unit/store/spill-chunks.test.ts\`).
- *A running record's row is written at its start and end* (\`Applier.deferred\` in
  \`server/store/ops.ts\`): the row's rewrite at each step (status, checkpoint) is held back — the
  step's journal entry has it, durably, before the record moves on — and written when another statement
  could read or write it, before a snapshot, or merged into the record's next update that cannot wait
  (a final status, fan-out rows, an audit event); a rolled-back batch restores what was held
  (\`tests/unit/store/held-record-updates.test.ts\`; the crash tables unchanged).
- *Steps written once* (\`Applier.heldSteps\`): a committed step is held in memory — the journal has it
  durably — instead of inserted in sql.js's \`steps\` table, then read back and deleted when its record's
  steps move to the step segments; the spill writes a finished record's held steps to its frame straight
  from memory. Held steps are inserted before any statement naming the table (every read of steps) and
  before a snapshot; a step committed twice is still refused (\`tests/unit/store/sqljs-store.test.ts\`,
  the refused writes of a group commit; rollbacks undo what was held).
- Small frames are deflated with a window no larger than themselves (the same bytes, 2.5–3.5 µs less
  per frame).

CPU of the whole process from the first record to the last, each run a process of its own, the
variants alternating, on a quiet machine (load average 0.6–3; the second table's runs beside a test run,
load up to 8):

| case | before | locking mode | + chunked spill |
| --- | ---: | ---: | ---: |
| no-op step, 20,000 records, round 1 | 4.61 s | 3.61 s | 3.12 s |
| no-op step, 20,000 records, round 2 | 4.47 s | 3.57 s | 3.47 s |
| no-op step, 20,000 records, round 3 | 4.78 s | 3.64 s | 3.53 s |
| JSONata chain, 10,000 records, round 1 | 6.01 s | — | 5.15 s |
| JSONata chain, 10,000 records, round 2 | 6.57 s | — | 5.47 s |

| case | chunked spill | + rows held back |
| --- | ---: | ---: |
| JSONata chain, 10,000 records, round 1 | 5.89 s | 5.39 s |
| JSONata chain, 10,000 records, round 2 | 5.84 s | 5.40 s |
| JSONata chain, 10,000 records, round 3 | 5.60 s | 4.92 s |

| case | rows held back | + steps held back |
| --- | ---: | ---: |
| JSONata chain, 10,000 records, round 1 | 4.69 s | 4.43 s |
| JSONata chain, 10,000 records, round 2 | 4.94 s | 4.29 s |
| JSONata chain, 10,000 records, round 3 | 4.97 s | 4.24 s |
| no-op step, 20,000 records, round 1 | 3.36 s | 3.01 s |
| no-op step, 20,000 records, round 2 | 3.33 s | 3.07 s |

The no-op step: 4.62 → 3.37 s (−27 %), then 3.04 s with the steps held back: 0.231 → 0.152 ms a
record; the JSONata chain: 6.29 → about 5.2 s (−17 %), −9 % more with the rows held back and −11 % more
with the steps held back (4.32 s, 0.43 ms a record; the last table's runs on a quieter machine than the
second's). Bytes written per step unchanged (98–101 bytes), peak RSS 270–330 MB at 10,000 records. At 100,000
records (\`node --import tsx bench/engine-chain.ts 100000 64\`, the commit before these cuts beside the
last one, one after the other, twice): CPU 63.8 / 61.6 s before, 42.3 / 46.3 s after (−30 %); peak RSS
528 / 522 MB before, 526 / 739 MB after — and 503, 542, 649 and 698 MB in other runs of the last one:
the peak varies from run to run now. Held steps stay few (at most about 11,000 rows, those of the
records under way and of finished ones waiting for their batch to the step segments, sampled every
300 group commits); they live in the JavaScript heap instead of sql.js's, and outlive the young
generation, so the old generation grows between full collections: with the old generation capped
(\`node --max-old-space-size=256\`) two runs peaked at 450 and 462 MB, for 8 % more CPU (47.0–48.0 s).
A spill batch of 256 records instead of 1,000 did not change it (493–708 MB). The commit these cuts
started from did the same in the store's memory case (507 and 626 MB). The store now collects once the
heap holds more than 128 MB (\`collectWhenHeapOver\`, \`server/store/collect.ts\`, commit \`48a37b4\`): 458,
477 and 504 MB in three runs of \`bench/store-memory.ts chain <dir> 100000\`, 42.4–43.6 s of CPU; see the
store's memory section below for the goal (below 480 MB). Still about 3× Node-RED's
function chain (0.147 ms a record on this machine): what is left in the profile is the journal's
encoding and deflating, the spill's frames, the record updates at start and end, the walk itself and the
collector.

**Later still (2026-12-05, the next session)**, four more cuts, each leaving what is written durably
and when as it was:

- *The applier's batches share one SQLite transaction* (\`Sql.batch\`, \`server/store/sql.ts\`): each
  group commit is a savepoint, the transaction is committed every 32 of them and before an export, so
  the pages consecutive batches both dirty are copied into sql.js's file once. In a profile of the 10k
  chain: 1,760 commits took 264 ms, 55 commits 189 ms — most pages a run dirties are its appended rows,
  written once either way. A transaction SQLite would end itself is reported (\`TransactionLost\`: the
  store stops writing until reopened, replay puts the batches back), never continued without them
  (\`tests/unit/store/sql-batch.test.ts\`).
- *Step times as text once per millisecond* (\`server/engine/iso-time.ts\`): \`toISOString\` was 140 ms of
  that profile (two a step; a chain runs 20–30 steps a millisecond), 8 ms after.
- *A step's checkpoint serialized around its data* (\`checkpointAround\`, \`server/store/step-frame.ts\`):
  instead of serializing the data a second time inside the checkpoint and searching for it, per step
  1.1–1.3 → 0.9–1.0 µs for the bench's 9-field record and 3.4 → 0.9 µs for a 40-field one.
- *A spill batch's step durations kept once*, grouped per node and status in its first record's row,
  instead of "node, status, ms" per step in every record's row: a finished 100,000-record run's database
  58.9 → 53.1 MB (\`spilled_steps\` 10.6 → 4.8 MB), the copy a snapshot makes as much smaller.

Side by side, the bundled bench of the session's first commit (\`70456ce\`) and of the last of these
cuts, alternating, a process each, CPU from the first record to the last: the JSONata chain of 10,000
records over 8 rounds, medians 4.95 → 4.58 s (paired ratio 0.91; the runs spread 4.6–6.2 and 4.3–5.7 s,
this machine being noisy that hour); the no-op step of 20,000 records over 6 rounds, 3.89 → 3.76 s
(paired ratio 0.96). What the profile puts next, in order: deflating each finished record's frame on
its own (about 10 µs a call is zlib's set-up, not the bytes: 16 records deflated in one call cost
1.4–2.5 µs each — a frame holding several records would change the step segments' format, their
checks and repairs), serializing each step (its output, the entry's head: about 5 µs a step under the
profiler), the record's updates at its start and end with their audit events (two UPDATEs and two
INSERTs a record, 7 % of the profile), the collector.

**The session after (2026-12-05, evening)**, three cuts at what a record costs besides its steps (a
one-step record — the no-op and code-step cases — paid about four fifths of its CPU there):

- *Records spilled together share a frame* (\`archive/spill.ts\`): up to 16 records or 64 K characters
  a frame, a record's steps being its rows of the frame (rows begin with their record's index, so frames
  of one record, written before, read the same). Deflating finished records' rows (4,096 records, three
  rounds): the 10-step chain 35.4 → 5.6 µs and 386 → 150 bytes a record, a trigger and one step 19.2 →
  1.5 µs and 193 → 39 bytes. Verify and repair name every record of a damaged frame; its damage loses up
  to 16 records' steps instead of one (\`tests/unit/store/spill-*.test.ts\`).
- *A record's start is held like its other running updates* (\`Applier.updateRecord\`): its UPDATE is
  merged into its end's, its 'started' audit event still written at once (events keep the order they
  happened in), whether the record exists read once per run from its record count. Removing the start's
  UPDATE and event altogether (an upper bound, not shipped) took 10 % off the no-op step's CPU.
- *The run log's per-record line only where a record needs a look* (failed, waiting for review): the
  "Record #n ended: success" line per record was 8 % of the no-op step's CPU (its log row, its journal
  bytes, its event), and a 100,000-record run's log was as many such lines.
- And no query for a record's step seqs in runs whose steps never reached the table (one statement a
  record fewer; too small to tell apart in this machine's noise).

Side by side, the bundles of \`c4366c2\` and of the first three cuts, alternating, a process each, five
rounds (load average 1.5–2.2): the no-op step of 10,000 records 2.32 → 1.78 s (paired ratio 0.78), the
JSONata chain of 10,000 records 4.16 → 3.71 s (0.88); at 100,000 records 38.7 and 44.9 s before, 32.6 and
32.2 s after (two runs each, alternating; peak RSS 467 / 460 MB before, 382 / 410 MB after). A fresh process
pays a fixed cost first — about 0.5–1 s of CPU for the first thousand records, most of it V8 compiling
the engine's and the store's code on other threads (\`--trace-opt\`: 245 TurboFan compilations, 1.24 s,
in a 10,000-record chain) — which the steady code-step cases leave out, on both sides.

**The session after (2026-12-05, night)**: two statements fewer a record, a database file that grows by doubling, and where the durable CPU goes.

- *Only records that may have rows in the steps table look their step seqs up, or have rows deleted
  when spilled* (\`Applier.stepRowsOf\`, read once per run): a snapshot inserts the held steps, after
  which every later record of the run paid both — 39,000 of 130,000 statements of a 20,000-record no-op
  run.
- *Whether a finished record's output is kept by reference is told from the texts by the applier*
  (\`keptByReference\`, output-ref.ts), not by SQLite parsing the step's output four times in the
  record's UPDATE after binding it a second time.

- *sql.js's in-memory database file doubles as it grows* (\`server/store/sqljs-glue.ts\`) instead of
  growing by an eighth past 1 MB, each growth copying the whole file: a no-op run of 20,000 records
  copied it 27 times (81 MB allocated, 134 ms measured around the copies). Side by side with
  \`3bcfe54\`: the no-op step of 20,000 records paired CPU 0.920 (7 rounds, load 1.5), steady (after a
  1,000-record run, the file grows over both) 0.861 (5 rounds, load 1.8); the 10-step chain, whose steps
  never enter sql.js, unchanged (1.01, measured with the change made in \`node_modules\`).

Side by side (bundles of \`0bd90a5\` and \`faa0f1a\`, alternating, a process each): the first two cuts — the no-op step of
20,000 records, steady, paired CPU ratio 0.955 over 5 rounds and 0.972 over 7 (load 1.9–2.0); the
JSONata chain of 10,000 records 0.987 (5 rounds); at 100,000 records 32.8 → 31.6 s (medians of 3,
paired 1.01: inside this machine's noise).

**Where the durable CPU goes** (the 10-step chain of 10,000 records, CPU of the whole process, bundles
of \`faa0f1a\` with parts of the store cut short — \`BENCH_DURABLE\` in \`bench/engine-chain.ts\`, a
measurement, nothing a user can turn off):

| what runs | CPU | per step |
| --- | ---: | ---: |
| the engine alone (step commits and record updates answered at once, nothing serialized or written) | 0.72–0.88 s | 7 µs |
| … and each step's journal entry made (\`commitStepOp\` + \`encodeOp\`), not written | 1.23–1.31 s | 11 µs |
| … and the journal written and synced, nothing applied to the database | 2.06–2.09 s | 19 µs |
| the store as it is (applied to sql.js, steps spilled to their segments) | 3.4–3.5 s | 31 µs |
| Node-RED's function chain, for comparison (this page's table) | 1.72 s | 16 µs |

The engine alone is half Node-RED's function chain; making and writing the journal entries alone
(no database) is already 1.2× it. Per step: serializing 4.5–5.4 µs (the output's JSON, the checkpoint
around it, the entry's head — \`JSON.stringify\` itself most of it, measured 200,000 calls at a time),
deflating the journal's packed frames 1.3–1.9 µs, writing, syncing and waking the walks 3–4 µs; then
the database and the spill 11–12 µs. So issue 17's point 1 (at most Node-RED's CPU) asks the whole
durable path — serialize, frame, write, index — to cost under about 8 µs a step, less than the entries
cost to serialize now.

Measured again on 2026-12-06 (bundles of \`9c628a5\`, 3 paired rounds, load about 2; a record now
makes 10 commits, not 11: its trigger's step is no longer committed): the engine alone 0.62 s (6 µs
for each of the ten steps), with the entries made 0.84 s, with the journal written and synced
1.47 s, the store as it is 2.52 s; Node-RED's function chain 1.30 s in the same rounds. Applying to
sql.js and spilling is still the largest part (10.5 µs a step), then writing the journal (6 µs).

**SQLite native instead of WebAssembly** (a prototype, not shipped: sql.js's API over better-sqlite3
12, which builds here, with the store unchanged; statements rewritten to named parameters by the
adapter): the JSONata chain of 10,000 records paired CPU 0.93, the no-op step of 20,000 records 0.88
(5 rounds each, load 1.1–1.3). Per record the statements themselves are about 1.8× faster natively
(40,000 records: insert, two events, update — 470 → 260 ms), but they are a fifth to a third of a
run's CPU: with a native SQLite the chain would stay near 2× Node-RED's function chain.

**sql.js without V8's optimizing compiler** (measured 2026-12-05, not shipped): in a fresh process V8
first runs SQLite's WebAssembly as its baseline compiler (Liftoff) made it, then compiles the hot
functions again with its optimizing one (TurboFan) on background threads — CPU the process pays.
Run with \`--liftoff-only\` (bundles alternating, a process each, load 1.0–1.9): the no-op step of
5,000 records paired CPU 0.69–0.73, the JSONata chain of 10,000 records 0.925, of 100,000 records 0.968
(2 rounds), the no-op step after 1,000 records of warm-up 0.96. So the optimized SQLite never pays
back its compilation in the engine's short statements. Not shipped because it has two costs:
the flag is process-wide, and QuickJS under it runs CPU-heavy user code 1.7× slower (20 executions
of a 3,000,000-step loop, 2.0 → 3.4 s); set only around sql.js's compile (\`v8.setFlagsFromString\`
with \`--no-wasm-dynamic-tiering --no-wasm-tier-up\`, \`--wasm-dynamic-tiering\` restored after —
V8 11.3 keeps the first per module), QuickJS is spared, but SQLite's heavy reads (a GROUP BY over
200,000 rows, 10 times) take 1.38× as long, and Node's documentation warns that changing V8 flags after
start-up may be unpredictable. For a studio that runs for days the compilation is paid once; the
fresh-process rows of the table above carry it.

**2026-12-06: the journal's entries cheaper to make and to pack.** A profile of the 10-step chain at
100,000 records (the process warm, \`--cpu-prof\`) put making each step's entry (\`commitStepOp\`) at a
fifth of the main thread's busy time and compressing (journal, step segments, snapshots) at a seventh:

- *A step entry's checkpoint goes last as JSON* (\`step-frame.ts\`): made around the emitted data as
  before, it was then escaped into a string inside the entry's head — half of what the head cost.
  Entries of the chain (a microbenchmark, 200,000 calls, three rounds): 3.3 → 2.8 µs an entry.
  Entries written before replay as they were (\`tests/unit/store/step-frame.test.ts\`).
- *A group commit is packed with Brotli at quality 1 instead of DEFLATE at level 1*
  (\`journal.ts\`, \`deflate.ts\`): on the chain's groups of 64 entries, 46–61 µs and 30 bytes an entry
  against 77–93 µs and 46 bytes; 2 to 24 entries 21–31 µs against 27–43 µs, as small. Brotli reads small
  payloads back slower, which matters for step segments and snapshots (read in everyday use): those stay
  DEFLATE; the journal is read back only when the store opens. Journals of DEFLATE frames still open
  (\`tests/unit/store/integrity.test.ts\`). Bytes written per step on the chain: 69 → 53.

Side by side, the bundled bench of \`c35cf74\` and of both changes, alternating, a process each (load
average 2.0–2.2): the JSONata chain of 10,000 records over 8 rounds, medians 2.94 → 2.85 s (paired ratio
0.99: the 1 µs a step saved is a thirtieth of a step's cost, at this machine's noise).

- *A straight path's checkpoint written from its numbers* (\`linearCheckpoint\`, \`step-frame.ts\`): the
  checkpoint of a record on a straight path (one token holding the emitted data, no group, nothing
  ended or in flight: every step of the chain but its last) is the same text every time but for a few
  integers and a node id, so it is written from them — its keys checked in order, text for text what
  \`JSON.stringify\` makes (\`step-frame.test.ts\` compares both on every shape, straight or not); any
  other checkpoint is serialized as before. 0.93–1.0 → 0.08–0.1 µs a checkpoint (microbenchmark); on
  the chain every step but the last takes it. Side by side with \`e777ca9\` (8 rounds, load 1.0–2.1):
  the JSONata chain of 10,000 records, medians 2.95 → 2.85 s, paired ratio 0.969.

**2026-12-06, later: where the durable path's CPU is, part by part, and what did not pay.** The
same cases cut short with \`BENCH_DURABLE\` (bundled, a process each, one run; the figures vary by a
tenth run to run here):

| case | engine only | + entries made | + journal written and synced | + database and step segments (all) | Node-RED |
| --- | ---: | ---: | ---: | ---: | ---: |
| JSONata chain, 10,000 records (110,000 steps) | 0.60 s | 1.05 s | 1.60 s | 2.78 s | 1.33 s (function chain) |
| no-op step, 20,000 records (40,000 steps) | 0.45 s | 0.60–0.64 s | 0.76–0.87 s | 1.77–1.86 s | — |

So on the chain the database's part (applying to sql.js, the step segments, snapshots) is 1.18 s —
about 11 µs a step, of which about 50 µs a record is per record (its end's UPDATE, its two audit
events, its \`spilled_steps\` row and frame) — and the journal's 0.54 s; the engine alone is under half
of Node-RED's whole chain. The profile is flat: no function holds more than 7 % of the main thread.

- *The audit events of a batch inserted 32 rows a statement* instead of one INSERT each: no change
  (no-op step, 20,000 records, 8 rounds, paired 1.04). Leaving the events out entirely saves a tenth
  (0.90): the cost is the table's and its index's B-trees, not the statements. Not kept.
- *Spilling finished records' steps in batches of 100, 250 or 4,000 records instead of 1,000*: no
  change (chain, 20,000 records, 4 rounds: 0.985–1.028).
- *V8 flags*: \`--max-semi-space-size=32/64\` no change; \`--wasm-lazy-compilation\` no change;
  \`--no-turbo-inlining\` 0.88 on the no-op step's 5,000 records in a fresh process (less optimizing
  compilation, see below) but 1.01 on the chain and 0.96 on the code step: process-wide, not kept.
- *Where a fresh process's extra CPU goes*: run under \`--trace-opt\`, the 20,000-record no-op step
  compiles 157 functions with V8's optimizing compiler, 650 ms of compile jobs in all (on background
  threads: CPU the process pays), 34 of them again after a deoptimization (\`spill\`, \`updateRecord\`,
  sql.js's bind glue). That is most of what the fresh-process rows of the Node-RED table carry over
  the steady ones.

**2026-12-06, the session after: what the rows are made of, and why the steady rows were not steady.**
Measured on bundles of \`ce109da\` (the machine shared with other work; figures vary by a tenth):

- *Threads.* CPU per thread of the whole process (\`/proc/self/task\` at exit), the 10-step chain of
  10,000 records: main thread 2.5 s, V8's background threads (optimizing compiler, garbage-collector
  helpers) 1.4 s, libuv's pool (journal writes and syncs) 0.26 s. The engine alone (\`BENCH_DURABLE=engine\`):
  main 0.81 s, V8's threads 0.68 s. Node-RED's function chain: main 2.2 s (its start-up included), V8's 0.55 s.
- *The optimizing compiler.* \`--trace-opt\` on the same chain: 197 compile jobs, about 1 s of compile
  time; the walk compiled three times (160 ms), the spill twice (94 ms), \`commitStepOp\` and \`updateRecord\`
  twice. In the code step with the sandbox warm (2,000 records, a fresh process), the measured window
  holds 85 compile jobs, 0.53 s of its 0.96 s: the fresh-process code rows are mostly V8 compiling.
- *A second run recompiles.* When a process's second run starts, V8 throws away the optimized code of
  the walk, \`initialCheckpoint\`, \`advance\`, \`setStatus\` and \`attemptStep\` ("code dependencies" under
  \`--trace-deopt\`) and compiles it again: 37–39 compile jobs in a second run of 3,000 one-step records,
  against 6–9 in the third and fourth. Neither making the run's \`emit\` and \`halted\` one function for
  every run nor \`--no-allocation-site-pretenuring\` changed it; the dependency was not found. So the
  steady code-step rows of the Node-RED table, which followed one warm-up run, still carried 40–70
  compile jobs (300–650 ms): they now follow five (about 20 jobs, 80–110 ms), Node-RED's on as many
  messages (\`bench/code-step.ts\`, \`bench/node-red/nr-case.cjs\`), and a steady pair at four times the
  records shows what a record costs at scale.
- *Per record at scale* (20,000 records, both steady, one round, load 4.7): the code step 3.37 s
  against Node-RED's function node 0.73 s (4.6×), about 165 µs a record against 37. Of that, the
  no-op step (the engine and the store) is about 80 µs; the sandbox about 85 µs — its worker 44 µs
  (QuickJS itself 23), the main thread about 20 µs posting jobs and reading answers (profiles of both
  threads). At 2,000 records the same cases read 2.5×: a run's fixed costs weigh more on Node-RED's
  cheaper records.
- *Allocation* (\`--trace-gc-nvp\`, the chain of 10,000 records, the whole process): 1.37 GB, about
  12 KB a step, against Node-RED's 0.60 GB. The engine alone allocates 0.53 GB (4.8 KB a step: the
  walk 1.2 KB, the step runner 0.8, set-fields 0.8, \`attemptStep\` 0.8, \`advance\` 0.45, sampled with
  the collected objects included); making the entries adds 0.31 GB, the journal 0.18, the database
  and the step segments 0.36.
- *Not kept.* Writing a group commit's frame on the calling thread (\`fs.writeSync\`) instead of in
  libuv's pool: the chain paired 0.991, 300 one-record runs 0.975 (5 rounds, load 3): noise.
  Leaving the spill out (a measurement, not a design: steps stay in memory) saves a sixth of the
  chain (0.84).

What at most Node-RED's CPU would take, from these parts: the journal path alone (entries made,
written and synced, nothing applied: \`BENCH_DURABLE=journal\`) is already 1.2× Node-RED's whole chain,
and the engine alone about half of it. Each part is now a tenth or less of the total (the profile is
flat), so no cut of one part gets there: it takes a write path where a step is serialized once and
that text is the journal entry, the step segment and what the studio reads — no second encoding for
the spill, no per-record rows in SQLite during the run — and an engine that allocates a third of
what it does. The code step's 3× takes, besides, a sandbox call of about 20 µs (batches of records
per QuickJS call, results read without a second parse).

**2026-12-06, a third session: the same parts at 100,000 records.** The ladder above, on the 10-step
chain of 100,000 records (1.1 million steps), bundles of \`20dd548\`, a process each, Node-RED's
function chain alternating (the machine ran Node-RED's chain about 1.5× slower than at the table's
measure; load 1.5–3; figures vary by a tenth):

| engine only | + entries made | + journal written and synced | + database and step segments (all) | Node-RED |
| ---: | ---: | ---: | ---: | ---: |
| 4.3 s | 9.4 s | 16.3–20.6 s | 37.9–43.3 s | 19.0–21.4 s |

At this size the journal path is *below* Node-RED's whole chain (0.86–0.96×): what is over it is the
database side — applying to sql.js, the step segments, snapshots — at 21–24 s, about 20 µs a step,
three fifths of the process. Per thread (\`/proc/self/task\`): main 30–35 s, V8's threads 6.2 s, libuv's
pool 3.5 s (segment and snapshot writes), against Node-RED's main 18–20 s and 1.5–1.9 s. In the
profile's main thread (\`--cpu-prof\`, 1 ms): applying the group commits 4.9 s (the records' updates 2.4 s, their
audit events' 0.85 s among them), the spill 3.3 s, the snapshots 2.2 s (a whole-database export and
DEFLATE every 64 MB of journal), making entries 5.1 s,
compressing and writing the journal 3.1 s, the garbage collector 2.8 s. Not kept, measured in the same
way: journal frames written unpacked (no Brotli; each entry its own frame and checksum) 0.99 paired over
8 rounds at 10,000 records — Brotli's CPU is paid back in fewer bytes to copy and sync;
\`--single-threaded-gc\` 0.97 (20,000 records, 5 rounds: the helpers' work moves to the main thread);
\`--max-semi-space-size=64\` none. So the write path named above — the journal entry kept as the step's
only copy, no per-record rows during the run — is what point 1 needs, and at 100,000 records it is most
of the gap: the rest of the path already costs less than Node-RED.

**2026-12-07: the ladder on a quieter machine, and the spill taken apart.** Bundles of \`439b7d4\`, a
process each, load average 0.9–1.4, Node-RED's function chain alternating; CPU of the whole process:

| 10,000 records | engine only | + entries made | + journal written and synced | all | Node-RED function chain |
| --- | ---: | ---: | ---: | ---: | ---: |
| one run each | 0.65 s | 1.02 s | 1.78 s (system 0.20 s) | 2.82 s | 1.73 s |

The whole store was 2.76–3.57 s over nine more runs (1.6–1.9× Node-RED's 1.60–1.89 s); at 100,000
records one run under \`--cpu-prof\` (1 ms) cost 29.3 s against Node-RED's 14.1 s (2.1×). Cut short to
see what the spill costs (three rounds, interleaved): the store as it is 2.88–2.91 s; the spill's
frames not made (no rows serialized, deflated or written; its reads and its journaled op kept)
2.52–2.61 s; no spill at all (steps left in memory: a measurement, not a design) 2.24–2.47 s; the
frames written without DEFLATE 3.20–3.55 s and 261 bytes written a step instead of 50 — on this
machine (ext4 on a virtual disk) writing and syncing bytes costs more CPU than deflating them, as
journal frames written unpacked did before. So the spill is about a fifth of the chain (0.35 s
making and writing frames, 0.2 s reading the finished records and applying its op), and no
compression setting pays for itself. Group commits: 1,573 of 64 entries for 10,000 records at
concurrency 64; at concurrency 16, 4.2 s of CPU (system 0.88 s) — each group commit costs about
0.2 ms of CPU, half of it the kernel's write and fdatasync, which sets a floor under a durable step
that Node-RED does not pay. \`--max-semi-space-size=32\` or \`64\`: no change beyond noise (three rounds).
Unchanged conclusion: point 1 needs the write path named above.

**2026-12-07, later (session 24): per step and per record.** Bundles of \`56c2eb6\`, load 0.9–1.3, three
interleaved rounds of the ladder at 10,000 records: engine 0.62–0.69 s, + entries 0.92–1.31, +
journal 1.50–1.75 (system 0.20–0.27), all 2.71–2.94 (system 0.45–0.47); Node-RED's function chain
1.59–1.62 s. The chain's length varied (1, 2, 5, 10, 20 set-fields steps, one run each) puts the
whole store at about 95 µs a record plus 23 µs a step (the engine alone: 50 µs + 3 µs), against
Node-RED's about 30 µs a message plus 13 µs a function node: the durable step alone costs more than
Node-RED's whole node, and the record's fixed part (its row made with the run, its start and end
events, its final row, its frame in a step segment) three times Node-RED's. Neither the spill's batch
(250, 1,000, 4,000 finished records: 3.09–3.40 s, no order) nor \`--single-threaded-gc\` (2.90–3.10
against 3.03–3.05 s; Node-RED 1.59–1.62 either way) changes it. So even the journal alone (1.5–1.75 s)
is at Node-RED's figure: meeting point 1 needs the per-step journal cheaper as well as the
database's share gone — the write path named above, with a journal entry smaller than today's
(its checkpoint and record columns rewritten per step), not one cut.

**2026-12-07 (session 25): where the floor is.** Bundles of \`a2c0e39\`, load 0.9–2.4, two interleaved
rounds at 10,000 records: engine 0.47–0.54 s, + entries 0.75–0.78, + journal written and synced
1.49–1.58 (system 0.23–0.26), all 2.45–2.59; Node-RED's function chain 1.23–1.24 s (all: 2.0–2.1×).
The journal alone, the database doing nothing during the run, is now *above* Node-RED's whole chain
(1.2×): a durable step's entry made, packed, written and synced costs more than a function node.
Profiled (journal only): making the entry (its output's JSON, the entry's head) 2.3 µs a step, the
packing (Brotli) and the write 1–2 µs, the group commit's write and fdatasync about 0.2 ms each.
Neither more concurrency (256 in flight: 2.64 s, fewer syncs but no less CPU) nor fewer statements
helps: a one-step record costs three SQL writes (its final row, its event, its step segment's row),
about 13 µs of sql.js in all (23 % of a no-op run), and batching those rows (50 a statement: 1.2 →
0.7 µs a row, measured apart) would save under 2 %. Point 1 stays open: it needs a durable step
that costs less than a function node, which this design (a JSON entry per step, synced before the
record moves on) does not reach by cuts.

**2026-12-07 (session 26): threads and V8 flags.** Bundles of \`b6eb0b1\`, load 0.9–1.4, one run each
at 10,000 records: engine 0.85 s, + entries 1.02, + journal 1.61, all 2.90 s; Node-RED's function
chain 1.58 s (1.8×). CPU per thread of the whole process (\`/proc/self/task\` at exit, start-up and the
reopening check included): Conveyor's main thread 2.95 s, V8's four helper threads 1.45 s, libuv's
pool 0.21 s; Node-RED's main 2.08 s, V8's 0.45 s — a third of the gap is V8's own threads (the
optimizing compiler and the collector's helpers working on more code and more garbage). Flags side by
side, two rounds each (CPU from the first record to the last): none 3.22 / 3.48 s,
\`--single-threaded-gc\` 2.96 / 3.58, \`--no-concurrent-recompilation\` 3.20 / 3.36, \`--max-lazy\`
3.34 / 3.68: none better beyond the noise (\`--no-opt\`, 5.11 / 5.00, shows what the optimizing compiler saves). A 30,000-record profile (\`--cpu-prof\`,
250 µs) is flat: \`commitStepOp\` 6.8 % self, zlib 5.9 %, \`stepEntry\` 5.0 %, the walk 3.6 %, the spill
2.3 %. Nothing changed in the conclusion above.
`;
