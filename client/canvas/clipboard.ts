import type { Clip } from '../stores/flow-store.ts';
import { NOTE_SIZE } from '../stores/flow-doc.ts';

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

/** The box the clip's cards and sticky notes cover (flow coordinates; cards not measured yet count at their usual size). */
export function clipBox(c: Clip, card: { width: number; height: number }): { x: number; y: number; width: number; height: number } {
  const boxes = [
    ...c.nodes.map((n) => ({ x: n.position.x, y: n.position.y, ...card })),
    ...(c.notes ?? []).map((n) => ({ x: n.position.x, y: n.position.y, ...(n.size ?? NOTE_SIZE) })),
  ];
  const x = Math.min(...boxes.map((b) => b.x));
  const y = Math.min(...boxes.map((b) => b.y));
  return { x, y, width: Math.max(...boxes.map((b) => b.x + b.width)) - x, height: Math.max(...boxes.map((b) => b.y + b.height)) - y };
}

/** "2 nodes and 1 note", "1 note": what a copy, paste or duplicate took. */
export function clipCount(nodes: number, notes: number): string {
  const part = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;
  return [nodes ? part(nodes, 'node') : '', notes ? part(notes, 'note') : ''].filter(Boolean).join(' and ');
}
