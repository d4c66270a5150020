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

/** What masks text for people and for the store: the run's masker, or one that spares what a record was given. */
export interface Masker {
  readonly active: boolean;
  mask(text: string): string;
  maskJson<T>(value: T): T;
  maskError<E extends StepErrorInfo>(error: E): E;
}

/**
 * The secrets resolved during one run, and every form of them, replaced by `MASK` in whatever
 * leaves the engine for people or for the store: log lines, stored step inputs, outputs and errors,
 * live events. It never touches the data that steps pass to each other (see `record-walker.ts`).
 * Masking a value the masker does not know is a no-op, and costs nothing while it knows none.
 */
export class SecretMasker implements Masker {
  private readonly needles = new Set<string>();
  private pattern: RegExp | null = null;
  /** Text the operator wrote into the flow itself (parameters): spared like a record's own data. */
  private flowText: readonly string[] = [];

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
    return walkJson(value, (s) => this.mask(s)) as T;
  }

  maskError<E extends StepErrorInfo>(error: E): E {
    if (!this.pattern) return error;
    return { ...error, message: this.mask(error.message), hint: this.mask(error.hint) };
  }

  /** The strings of the flow's own parameters (what the operator typed into its forms). */
  spareFlowText(params: unknown): void {
    this.flowText = textsOf(params);
  }

  /**
   * A masker for one record: an occurrence of a secret that lies inside a longer piece of text the
   * operator gave (a field of the record's input, a parameter of the flow) is left as it is, so a
   * secret as common as `demo` does not turn `tester5@demo-run.test` into `tester5@••••••-run.test`.
   * What a service echoes back (`Bearer demo`, `password=demo`) is not such a piece and is masked.
   */
  sparing(recordData: unknown): Masker {
    return new SparingMasker(this, () => [...this.flowText, ...textsOf(recordData)]);
  }

  /** `text` with every occurrence masked for which `keep(text, at, length)` is false. */
  maskExcept(text: string, keep: (text: string, at: number, length: number) => boolean): string {
    if (!this.pattern || typeof text !== 'string') return text;
    return text.replace(this.pattern, (found: string, at: number) => (keep(text, at, found.length) ? found : MASK));
  }

  /** True when `text` holds a form of a known secret. */
  finds(text: string): boolean {
    return this.pattern !== null && text.search(this.pattern) !== -1;
  }

  /** Changes whenever a secret is registered (a sparing masker then re-reads which given text matters). */
  get version(): number {
    return this.needles.size;
  }
}

/** See `SecretMasker.sparing`. */
class SparingMasker implements Masker {
  /** The given texts that hold a secret (the only ones that can spare anything), for `version`. */
  private relevant: string[] = [];
  private seenVersion = -1;
  /** Read on first use: most records of most runs never meet a secret. */
  private given: readonly string[] | null = null;

  constructor(
    private readonly run: SecretMasker,
    private readonly readGiven: () => readonly string[],
  ) {}

  get active(): boolean {
    return this.run.active;
  }

  mask(text: string): string {
    if (!this.run.active || typeof text !== 'string') return text;
    const relevant = this.relevantTexts();
    if (relevant.length === 0) return this.run.mask(text);
    return this.run.maskExcept(text, (t, at, length) => relevant.some((g) => g.length > length && covers(t, g, at, length)));
  }

  maskJson<T>(value: T): T {
    if (!this.run.active) return value;
    return walkJson(value, (s) => this.mask(s)) as T;
  }

  maskError<E extends StepErrorInfo>(error: E): E {
    if (!this.run.active) return error;
    return { ...error, message: this.mask(error.message), hint: this.mask(error.hint) };
  }

  private relevantTexts(): string[] {
    if (this.seenVersion !== this.run.version) {
      this.seenVersion = this.run.version;
      // A given text that IS a secret spares nothing: only text that merely contains one does.
      this.given ??= this.readGiven();
      this.relevant = this.given.filter((g) => this.run.finds(g));
    }
    return this.relevant;
  }
}

/** True when a copy of `given` in `text` spans the occurrence at [at, at + length). */
function covers(text: string, given: string, at: number, length: number): boolean {
  const from = Math.max(0, at + length - given.length);
  const i = text.indexOf(given, from);
  return i !== -1 && i <= at;
}

/** Every string of a JSON value (keys too), each once. */
function textsOf(value: unknown, out = new Set<string>()): string[] {
  if (typeof value === 'string') {
    if (value.length >= MIN_LENGTH) out.add(value);
  } else if (Array.isArray(value)) {
    for (const v of value) textsOf(v, out);
  } else if (value && typeof value === 'object' && !(value instanceof Uint8Array)) {
    for (const [k, v] of Object.entries(value)) {
      if (k.length >= MIN_LENGTH) out.add(k);
      textsOf(v, out);
    }
  }
  return [...out];
}

function walkJson(value: unknown, mask: (s: string) => string): unknown {
  if (typeof value === 'string') return mask(value);
  if (Array.isArray(value)) return value.map((v) => walkJson(v, mask));
  if (value && typeof value === 'object' && !(value instanceof Uint8Array)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[mask(k)] = walkJson(v, mask);
    return out;
  }
  return value;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
