/** Where monitoring writes its lines (the server log; see server/logging): context goes apart from the message. */
export interface MonitorLog {
  info(msg: string, context?: Record<string, unknown>): void;
  warn(msg: string, context?: Record<string, unknown>): void;
  error(msg: string, context?: Record<string, unknown>): void;
}
