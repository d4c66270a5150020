import type { TrackingAccess } from '../../nodes/sdk/services.ts';
import type { Store } from '../store/types.ts';
import { signToken, verifyToken, type TokenKind, type TokenPayload } from './tokens.ts';
import { SuppressionList } from './suppression.ts';
import { recordEvent, type TrackingEvent } from './events.ts';

/** Where a send step runs: what its tokens are bound to. */
export interface StepPlace {
  runId: string;
  recordIndex: number;
  nodeId: string;
}

/**
 * Tracked mail for the whole installation: signs the links send steps put in mails, checks and
 * records what comes back through /t/*, and keeps the suppression list.
 */
export class TrackingService {
  readonly suppression: SuppressionList;
  private studioUrl: string | null = null;

  constructor(
    private readonly store: Store,
    private readonly key: Buffer,
    /** CONVEYOR_PUBLIC_URL: the address recipients reach the studio at (behind a proxy, on the internet). */
    private readonly publicUrl: string | null = null,
    /** Why this process makes no link (its key is not the one the database's other processes use: key-check.ts), or null. */
    private readonly keyProblem: string | null = null,
  ) {
    this.suppression = new SuppressionList(store);
  }

  /** The address the studio listens on, used when no public address is configured. */
  useStudioUrl(url: string): void {
    this.studioUrl = url;
  }

  get baseUrl(): string | null {
    return (this.publicUrl ?? this.studioUrl)?.replace(/\/+$/, '') ?? null;
  }

  /** `ctx.tracking` of one step. */
  forStep(place: StepPlace): TrackingAccess {
    const ids = { r: place.runId, i: place.recordIndex, n: place.nodeId };
    const url = (path: string, payload: TokenPayload, suffix = '') => {
      const base = this.baseUrl;
      if (!base) throw new Error('The studio address is not known: set CONVEYOR_PUBLIC_URL.');
      if (this.keyProblem) throw new Error(`No tracked link: ${this.keyProblem}.`);
      return `${base}/t/${path}/${signToken(this.key, payload)}${suffix}`;
    };
    return {
      baseUrl: this.baseUrl,
      unavailable: this.keyProblem,
      clickUrl: (target, link) => url('c', { k: 'c', ...ids, l: link, u: target }),
      openUrl: () => url('o', { k: 'o', ...ids }, '.gif'),
      unsubscribeUrl: (addresses) => url('u', { k: 'u', ...ids, a: addresses }),
      suppressed: (addresses) => this.suppression.suppressed(addresses),
    };
  }

  /** The payload of a token from a /t/* address (E_TRACKING_TOKEN_INVALID when it is not ours). */
  verify<K extends TokenKind>(token: string, kind: K): Extract<TokenPayload, { k: K }> {
    return verifyToken(this.key, token, kind);
  }

  record(payload: { r: string; i: number; n: string }, event: Omit<TrackingEvent, 'nodeId' | 'at'>): Promise<boolean> {
    return recordEvent(this.store, payload.r, payload.i, { ...event, nodeId: payload.n, at: new Date().toISOString() });
  }
}
