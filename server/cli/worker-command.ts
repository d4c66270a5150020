/** `npx conveyor worker`: one worker process beside a studio on the PostgreSQL store (server/worker). */
import { startWorker } from '../worker/worker.ts';
import { workerSettings } from '../worker/settings.ts';

export const WORKER_USAGE = '  worker [--id ID] [--lease-ms N] [--batch N]  execute records of runs in PostgreSQL (CONVEYOR_STORE=postgres, DATABASE_URL; see "Scaling out")';

export async function workerCommand(args: string[]): Promise<number> {
  const worker = await startWorker(workerSettings(args), (line) => console.log(line));
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  console.log(`Worker ${worker.id} stopping: the records under way finish their current step and go back to the queue…`);
  await worker.close();
  return 0;
}
