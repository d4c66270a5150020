import type { StepErrorInfo } from '../contract/node-error.ts';

/** What a secret is replaced with wherever it would leave the engine. */
export const MASK = '••••••';

/** Shorter strings are never masked: they would blank ordinary text (the vault refuses such secrets). */
const MIN_LENGTH = 4;

/** Derived forms shorter than this are not masked: in other base64 or hex text they would match by chance. */
const MIN_DERIVED_LENGTH = 6;

/**
 * The ways a secret travels once a node has used it: as is, URL-encoded (path, query, form
 * body), escaped inside JSON text, hex, and base64/base64url — also inside a longer blob built
 * from it (`Bearer <key>` as a header value, `\0user\0password` of SMTP/IMAP AUTH PLAIN), whatever
 * comes before it: see `embeddedBase64`.
 */
export function secretForms(secret: string): string[] {
  const forms = new Set<string>([secret]);
  forms.add(encodeURIComponent(secret));
  forms.add(new URLSearchParams({ s: secret }).toString().slice(2));
  forms.add(encodeURI(secret));
  const bytes = Buffer.from(secret, 'utf8');
  const b64 = bytes.toString('base64');
  forms.add(b64);
  forms.add(b64.replace(/=+$/, ''));
  forms.add(bytes.toString('base64url'));
  forms.add(JSON.stringify(secret).slice(1, -1));
  const derived = new Set<string>([bytes.toString('hex'), bytes.toString('hex').toUpperCase()]);
  for (const form of embeddedBase64(bytes)) derived.add(form);
  return [...forms].filter((f) => f.length >= MIN_LENGTH).concat([...derived].filter((f) => f.length >= MIN_DERIVED_LENGTH && !forms.has(f)));
}

/**
 * The base64 (and base64url) characters that depend on the secret's bytes alone, for each of the
 * three positions the secret can take within 3-byte groups: the base64 of ANY text containing the
 * secret contains one of them, so a header value or an auth blob built around it is masked too.
 */
function embeddedBase64(bytes: Buffer): string[] {
  const out: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const text = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64');
    // Characters 6 bits wide: skip those that hold bits of the bytes before, and those after the last full one.
    const from = Math.ceil((8 * shift) / 6);
    const to = Math.floor((8 * (shift + bytes.length)) / 6);
    const part = text.slice(from, to);
    out.push(part, part.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return out;
}

/** A cut-off quote ends with "…" (or "..."): what stands right before it may be the start of a secret. */
const CUT_MARK = /…|\.\.\./g;
/** Shortest start of a secret masked before a cut mark. */
const MIN_CUT_PREFIX = 4;

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
  /** Every 4 characters in a row of every known form (a cut can only end a secret's start with one of them). */
  private readonly quads = new Set<string>();
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
        for (let i = 0; i + MIN_CUT_PREFIX <= v.length; i++) this.quads.add(v.slice(i, i + MIN_CUT_PREFIX));
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
    return this.maskCuts(text.replace(this.pattern, MASK));
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

  /**
   * `text` with every occurrence masked for which `keep(text, at, length)` is false — and the start
   * of a secret that a cut-off quote ends with (`…Bearer sk-live-12…`), which is no whole occurrence.
   */
  maskExcept(text: string, keep: (text: string, at: number, length: number) => boolean): string {
    if (!this.pattern || typeof text !== 'string') return text;
    const masked = text.replace(this.pattern, (found: string, at: number) => (keep(text, at, found.length) ? found : MASK));
    return this.maskCuts(masked, keep);
  }

  private maskCuts(text: string, keep?: (text: string, at: number, length: number) => boolean): string {
    if (!text.includes('…') && !text.includes('...')) return text;
    const cuts = [...text.matchAll(CUT_MARK)].map((m) => m.index);
    let out = text;
    // From the last cut to the first, so that earlier positions stay valid.
    for (const at of cuts.reverse()) {
      const k = this.longestSecretStartBefore(out, at, MIN_CUT_PREFIX);
      if (k > 0 && !keep?.(out, at - k, k)) out = out.slice(0, at - k) + MASK + out.slice(at);
    }
    return out;
  }

  /** Length of the longest start (at least `min` characters, short of the whole) of a known form that `text` has right before `at`. */
  private longestSecretStartBefore(text: string, at: number, min: number): number {
    // Quick refusal (the usual case): the 4 characters before `at` are in no known form.
    if (at < min || !this.quads.has(text.slice(at - MIN_CUT_PREFIX, at))) return 0;
    let best = 0;
    for (const needle of this.needles) {
      for (let k = Math.min(needle.length - 1, at); k >= Math.max(min, best + 1); k--) {
        if (text.startsWith(needle.slice(0, k), at - k)) {
          best = k;
          break;
        }
      }
    }
    return best;
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
