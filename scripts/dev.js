// `npm run dev`: the API server restarting on change (tsx watch) and Vite with hot reload for the studio.
import { spawn } from 'node:child_process';

const port = process.env.PORT ?? '3000';
const vitePort = process.env.VITE_PORT ?? '5173';
const children = [
  spawn(process.execPath, ['--import', 'tsx', '--watch', '--watch-path=server', '--watch-path=nodes', 'bin/conveyor.js', 'serve'], {
    stdio: 'inherit',
    env: { ...process.env, PORT: port },
  }),
  spawn(process.execPath, ['node_modules/vite/bin/vite.js', '--port', vitePort, '--strictPort'], {
    stdio: 'inherit',
    env: { ...process.env, PORT: port },
  }),
];
console.log(`Studio with hot reload: http://127.0.0.1:${vitePort} (API on ${port})`);
const stop = () => {
  for (const c of children) c.kill('SIGTERM');
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
for (const c of children) c.on('exit', (code) => code && code !== 0 && stop());
