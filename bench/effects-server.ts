// The bench's remote endpoint as a process of its own (bench/workers.ts): answers each POST
// /effect/<key> after the latency given (ms, first argument), prints its base URL on a line, and
// ends when its standard input closes. Its CPU is the service's, not the studio's or a worker's.
import { startEffects } from '../tests/unit/store/contract/effects.ts';

const effects = await startEffects(Number(process.argv[2] ?? 50));
process.stdout.write(`${effects.base}\n`);
process.stdin.resume();
process.stdin.on('end', () => void effects.close().then(() => process.exit(0)));
