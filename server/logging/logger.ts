import { createRequire } from 'node:module';
import { format as formatArgs } from 'node:util';
import type Pino from 'pino';
import { ConveyorError } from '../errors.ts';

/**
 * The server's log. `text` (the default) writes the lines as they always were: info to stdout,
 * warnings and errors to stderr. `json` (LOG_FORMAT=json or `serve --log-format json`) writes one
 * JSON object a line through pino: `level`, `time`, `msg` and the context apart (runId, flowId,
 * code…), for a log collector. Keys that name secrets are censored in the context either way.
 */
export type LogFormat = 'text' | 'json';
export type LogContext = Record<string, unknown>;

export interface Logger {
  readonly format: LogFormat;
  debug(msg: string, context?: LogContext): void;
  info(msg: string, context?: LogContext): void;
  warn(msg: string, context?: LogContext): void;
  error(msg: string, context?: LogContext): void;
}

/** Context keys whose values are never written, at any depth. */
export const SECRET_KEYS = ['password', 'pass', 'secret', 'secrets', 'token', 'apiKey', 'api_key', 'authorization', 'cookie', 'key'];
const CENSOR = '[redacted]';

export interface LoggerOptions {
  format: LogFormat;
  /** Where lines go (default: stdout; for text, warnings and errors go to stderr). */
  destination?: NodeJS.WritableStream;
  /** Lowest level written (default info; LOG_LEVEL). */
  level?: 'debug' | 'info' | 'warn' | 'error';
}

export function createLogger(opts: LoggerOptions): Logger {
  const level = opts.level ?? (process.env.LOG_LEVEL as LoggerOptions['level']) ?? 'info';
  return opts.format === 'json' ? jsonLogger(level, opts.destination) : textLogger(level, opts.destination);
}

function jsonLogger(level: string, destination: NodeJS.WritableStream | undefined): Logger {
  // Loaded only when JSON logs are asked for: every CLI command imports this file, few need pino.
  const pino = createRequire(import.meta.url)('pino') as typeof Pino;
  const paths = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);
  const log = pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths, censor: CENSOR },
    },
    destination ?? pino.destination({ dest: 1, sync: true }),
  );
  const line = (lvl: 'debug' | 'info' | 'warn' | 'error') => (msg: string, context?: LogContext) => (context ? log[lvl](context, msg) : log[lvl](msg));
  return { format: 'json', debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
}

const ORDER = { debug: 10, info: 20, warn: 30, error: 40 } as const;

function textLogger(level: string, destination: NodeJS.WritableStream | undefined): Logger {
  const min = ORDER[level as keyof typeof ORDER] ?? ORDER.info;
  const line = (lvl: keyof typeof ORDER) => (msg: string, context?: LogContext) => {
    if (ORDER[lvl] < min) return;
    const code = typeof context?.code === 'string' ? ` (${context.code})` : '';
    const text = `${msg}${code && !msg.includes(code.slice(2, -1)) ? code : ''}\n`;
    (destination ?? (lvl === 'warn' || lvl === 'error' ? process.stderr : process.stdout)).write(text);
  };
  return { format: 'text', debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
}

/**
 * The log format asked for: `--log-format json|text` in the arguments wins over LOG_FORMAT.
 * Anything else is refused (E_LOG_FORMAT_INVALID) before the studio starts.
 */
export function logFormatFrom(args: readonly string[], env: NodeJS.ProcessEnv = process.env): LogFormat {
  let asked: string | undefined = env.LOG_FORMAT;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--log-format') asked = args[i + 1] ?? '';
    else if (a.startsWith('--log-format=')) asked = a.slice('--log-format='.length);
  }
  if (asked === undefined || asked === '' && !args.includes('--log-format')) return 'text';
  if (asked === 'json' || asked === 'text') return asked;
  throw new ConveyorError('E_LOG_FORMAT_INVALID', `The log format "${asked}" is not known.`, 'Use --log-format json (or LOG_FORMAT=json) for JSON lines, or text (the default).', 2);
}

/**
 * Sends console.log/info/warn/error through the logger (so lines written by other parts of the
 * server — the store, the scheduler, sweeps — are JSON too). Returns a function that restores them.
 */
export function routeConsole(logger: Logger): () => void {
  const saved = { log: console.log, info: console.info, warn: console.warn, error: console.error };
  console.log = (...args: unknown[]) => logger.info(formatArgs(...args));
  console.info = (...args: unknown[]) => logger.info(formatArgs(...args));
  console.warn = (...args: unknown[]) => logger.warn(formatArgs(...args));
  console.error = (...args: unknown[]) => logger.error(formatArgs(...args));
  return () => Object.assign(console, saved);
}
