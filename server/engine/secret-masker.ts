import type { StepErrorInfo } from '../../nodes/sdk/node-error.ts';

/** What a secret is replaced with wherever it would leave the engine. */
export const MASK = '••••••';

/** Shorter strings are never masked: they would blank ordinary text (the vault refuses such secrets). */
const MIN_LENGTH = 4;

/**
 * The ways a secret travels once a node has used it: as is, URL-encoded (path, query, form
 * body), base64 (headers, tokens; with and without padding) and escaped inside JSON text.
 */
export function secretForms(secret: string): string[] {
  const forms = new Set<string>([secret]);
  forms.add(encodeURIComponent(secret));
  forms.add(new URLSearchParams({ s: secret }).toString().slice(2));
  forms.add(encodeURI(secret));
  const b64 = Buffer.from(secret, 'utf8').toString('base64');
  forms.add(b64);
  forms.add(b64.replace(/=+$/, ''));
  forms.add(Buffer.from(secret, 'utf8').toString('base64url'));
  forms.add(JSON.stringify(secret).slice(1, -1));
  return [...forms].filter((f) => f.length >= MIN_LENGTH);
}

/**
 * The secrets resolved during one run, and every form of them, replaced by `MASK` in whatever
 * leaves the engine: log lines, step inputs, outputs and errors, record data, live events.
 * Masking a value the masker does not know is a no-op, and costs nothing while it knows none.
 */
export class SecretMasker {
  private readonly needles = new Set<string>();
  private pattern: RegExp | null = null;

  /** True once at least one secret is registered. */
  get active(): boolean {
    return this.pattern !== null;
  }

  /** Registers a secret and its encoded forms. */
  add(secret: string): void {
    this.addExact(...secretForms(secret));
  }

  /** Registers strings as they are (e.g. the base64 of `user:password` for HTTP Basic). */
  addExact(...values: string[]): void {
    let changed = false;
    for (const v of values) {
      if (typeof v === 'string' && v.length >= MIN_LENGTH && !this.needles.has(v)) {
        this.needles.add(v);
        changed = true;
      }
    }
    if (!changed) return;
    // Longest first: a form that contains another is masked whole.
    const sorted = [...this.needles].sort((a, b) => b.length - a.length).map(escapeRegExp);
    this.pattern = new RegExp(sorted.join('|'), 'g');
  }

  mask(text: string): string {
    if (!this.pattern || typeof text !== 'string') return text;
    return text.replace(this.pattern, MASK);
  }

  /** A copy of a JSON value with every string (keys too) masked; the value itself when nothing is known. */
  maskJson<T>(value: T): T {
    if (!this.pattern) return value;
    return this.walk(value) as T;
  }

  maskError<E extends StepErrorInfo>(error: E): E {
    if (!this.pattern) return error;
    return { ...error, message: this.mask(error.message), hint: this.mask(error.hint) };
  }

  private walk(value: unknown): unknown {
    if (typeof value === 'string') return this.mask(value);
    if (Array.isArray(value)) return value.map((v) => this.walk(v));
    if (value && typeof value === 'object' && !(value instanceof Uint8Array)) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[this.mask(k)] = this.walk(v);
      return out;
    }
    return value;
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
