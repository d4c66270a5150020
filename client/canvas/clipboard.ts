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

/** The box the clip's cards cover (flow coordinates; cards not measured yet count at their usual size). */
export function clipBox(c: Clip, card: { width: number; height: number }): { x: number; y: number; width: number; height: number } {
  const xs = c.nodes.map((n) => n.position.x);
  const ys = c.nodes.map((n) => n.position.y);
  const x = Math.min(...xs);
  const y = Math.min(...ys);
  return { x, y, width: Math.max(...xs) - x + card.width, height: Math.max(...ys) - y + card.height };
}
