/**
 * An error a user can meet: stable code, what went wrong, what to do. HTTP routes turn it into
 * `{ error: { code, message, hint } }` with `status`.
 */
export class ConveyorError extends Error {
  readonly code: string;
  readonly hint: string;
  readonly status: number;
  readonly details?: Record<string, unknown>;

  constructor(code: string, message: string, hint: string, status = 400, details?: Record<string, unknown>) {
    super(message);
    this.name = 'ConveyorError';
    this.code = code;
    this.hint = hint;
    this.status = status;
    this.details = details;
  }
}
