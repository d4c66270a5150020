/**
 * Tracked mail on the wire (docs/api.md, "Tracking"): a record's events and the suppression list.
 * Framework-free types, shared by the server and the studio.
 */

/** The longest note kept with an address added to the suppression list by hand. */
export const SUPPRESSION_NOTE_MAX = 500;

export type TrackingKind = 'open' | 'click' | 'unsubscribe';

/** One open, click or unsubscribe of a record's mail (nothing about the reader: no IP, no user agent). */
export interface TrackingEvent {
  kind: TrackingKind;
  at: string;
  /** The send step whose mail it was. */
  nodeId: string;
  /** Clicks: which link (0 = first) and where it went. */
  link?: number;
  url?: string;
}

/** GET /api/tracking/runs/:id/records/:index */
export interface RecordTrackingAnswer {
  events: TrackingEvent[];
}

/** An address no send step mails any more. */
export interface Suppression {
  address: string;
  at: string;
  /** unsubscribe: the recipient's own link; operator: added by hand (REST or studio). */
  source: 'unsubscribe' | 'operator';
  /** For an unsubscribe: the run and record whose mail carried the link. */
  runId?: string;
  recordIndex?: number;
  note?: string;
}

/** GET /api/suppressions */
export interface SuppressionPage {
  items: Suppression[];
  total: number;
}
