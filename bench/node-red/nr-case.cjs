// One Node-RED benchmark case in its own process (so CPU time and peak RSS are its own): Node-RED
// embedded (RED.init / RED.start, no editor, no HTTP), a flow read from a flows file, N messages.
//   node nr-case.cjs <function-chain|change-chain|jsonata-chain|function|function-steady> <messages>
// function-steady: as function, after WARMUP messages went through the same flow (not measured):
// as many as Conveyor's steady code-step cases walk in their warm-up runs (bench/code-step.ts).
// A function node emits the N messages (as Conveyor's run creates its N records) and the last node
// calls `done` from the global context; CPU time (user + system, every thread of the process) and
// wall time are measured from the first message to the last. Prints one JSON line.
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');

const NR_DIR = process.env.NODE_RED_DIR || path.join(__dirname, '..', '.node-red');
const RED = require(require.resolve('node-red', { paths: [NR_DIR] }));
const [caseName, count] = [process.argv[2], Number(process.argv[3] ?? 10000)];
const steady = caseName === 'function-steady';
const kind = steady ? 'function' : caseName;
/** bench/code-step.ts's warm-up: WARMUP_RUNS runs of 1,000 records. */
const WARMUP = 1000 * Number(process.env.BENCH_WARMUP_RUNS ?? 5);
const CHAIN = 10;

/** The work of step i, as Conveyor's 10-step chain does it: f_i = n * i + $length(name). */
function stepNode(i, id, wires) {
  const base = { id, z: 'tab', x: 100 + i * 150, y: 100, wires: [wires] };
  if (kind === 'function-chain') return { ...base, type: 'function', func: `msg.payload.f${i} = msg.payload.n * ${i} + msg.payload.name.length;\nreturn msg;`, outputs: 1 };
  if (kind === 'change-chain') return { ...base, type: 'change', rules: [{ t: 'set', p: `payload.f${i}`, pt: 'msg', to: 'payload.n', tot: 'msg' }] };
  if (kind === 'jsonata-chain') return { ...base, type: 'change', rules: [{ t: 'set', p: `payload.f${i}`, pt: 'msg', to: `payload.n * ${i} + $length(payload.name)`, tot: 'jsonata' }] };
  throw new Error(`unknown case ${kind}`);
}

function flows() {
  const nodes = [{ id: 'tab', type: 'tab', label: 'bench' }];
  const send = (n) => `for (let i = 0; i < ${n}; i++) node.send({ payload: { id: i, name: 'Person ' + i, email: 'p' + i + '@example.com', n: i } });\n`;
  const source = `${steady ? `${send(WARMUP)}await global.get('warmedUp')();\n` : ''}global.get('started')();\n${send(count)}return null;`;
  nodes.push({ id: 'go', type: 'inject', z: 'tab', once: true, onceDelay: 0.1, repeat: '', props: [], wires: [['source']], x: 0, y: 0 });
  nodes.push({ id: 'source', type: 'function', z: 'tab', func: source, outputs: 1, wires: [['s1']], x: 50, y: 0 });
  const steps = kind === 'function' ? 1 : CHAIN;
  for (let i = 1; i <= steps; i++) {
    const id = `s${i}`;
    const next = i === steps ? 'sink' : `s${i + 1}`;
    if (kind === 'function') {
      // The code step's work (bench/code-step in engine-chain.ts), in one function node.
      nodes.push({ id, type: 'function', z: 'tab', func: 'msg.payload = { ...msg.payload, total: msg.payload.n * 2 + msg.payload.name.length };\nreturn msg;', outputs: 1, wires: [[next]], x: 200, y: 100 });
    } else {
      nodes.push(stepNode(i, id, [next]));
    }
  }
  nodes.push({ id: 'sink', type: 'function', z: 'tab', func: "global.get('done')(msg.payload);\nreturn null;", outputs: 0, wires: [], x: 2000, y: 100 });
  return nodes;
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-bench-nr-'));
writeFileSync(path.join(dir, 'flows.json'), JSON.stringify(flows()));
let startedAt = 0;
let cpuStart = null;
let received = 0;
let last = null;
let warmed = null;
const finished = new Promise((resolve) => {
  const settings = {
    userDir: dir,
    flowFile: 'flows.json',
    httpAdminRoot: false,
    httpNodeRoot: false,
    disableEditor: true,
    logging: { console: { level: 'error' } },
    editorTheme: { projects: { enabled: false } },
    functionGlobalContext: {
      started: () => {
        cpuStart = process.resourceUsage();
        startedAt = performance.now();
      },
      // The warm-up's messages end first (each node handles its messages in order): then the measured ones.
      warmedUp: () => new Promise((ready) => (warmed = ready)),
      done: (payload) => {
        if (warmed) {
          if (++received < WARMUP) return;
          received = 0;
          const ready = warmed;
          warmed = null;
          ready();
          return;
        }
        last = payload;
        if (++received === count) resolve();
      },
    },
  };
  RED.init(http.createServer(), settings);
  RED.start().catch((err) => {
    process.stderr.write(`Node-RED did not start: ${err.message}\n`);
    process.exit(1);
  });
});

finished.then(async () => {
  const seconds = (performance.now() - startedAt) / 1000;
  const cpu = process.resourceUsage();
  const cpuSeconds = (cpu.userCPUTime - cpuStart.userCPUTime + cpu.systemCPUTime - cpuStart.systemCPUTime) / 1e6;
  const n = count - 1;
  const expected = kind === 'function' ? n * 2 + `Person ${n}`.length : kind === 'change-chain' ? n : n * CHAIN + `Person ${n}`.length;
  const got = kind === 'function' ? last.total : last[`f${CHAIN}`];
  if (got !== expected) throw new Error(`wrong result: f${CHAIN} = ${got}, expected ${expected}`);
  process.stdout.write(JSON.stringify({ system: 'node-red', version: RED.version(), kind: caseName, records: count, seconds, cpuSeconds, peakRssMb: cpu.maxRSS / 1024 }) + '\n');
  await RED.stop();
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
});
