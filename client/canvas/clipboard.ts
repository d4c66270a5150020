import type { Clip } from '../stores/flow-store.ts';

/** In-app clipboard of copied nodes (works across flows; each paste is offset a bit further). */
let clip: Clip | null = null;
let pastes = 0;

export function setClip(c: Clip): void {
  clip = c;
  pastes = 0;
}

export function takeClip(): { clip: Clip; offset: { x: number; y: number } } | null {
  if (!clip) return null;
  pastes++;
  return { clip, offset: { x: 40 * pastes, y: 40 * pastes } };
}
