import type { Box } from './fit-viewport.ts';
import type { Positions } from './layout.ts';

/** How close (flow units) a note beside a card counts as that card's note. */
export const NOTE_REACH = 120;

const centre = (b: Box) => ({ x: b.x + b.width / 2, y: b.y + b.height / 2 });
const contains = (b: Box, p: { x: number; y: number }) => p.x >= b.x && p.x <= b.x + b.width && p.y >= b.y && p.y <= b.y + b.height;
/** The gap between two boxes (0 when they touch or overlap). */
const gap = (a: Box, b: Box) => Math.hypot(Math.max(0, a.x - (b.x + b.width), b.x - (a.x + a.width)), Math.max(0, a.y - (b.y + b.height), b.y - (a.y + a.height)));

/**
 * Where each sticky note goes when the cards are laid out again (auto-layout): with the cards it
 * was about — the ones whose centre it covers, moved by their mean shift — else with the nearest
 * card within NOTE_REACH of it; a note near no card stays. Without this a note kept its place
 * while its cards moved away, and then sat beside cards it did not describe.
 */
export function notesFollow(notes: Array<Box & { id: string }>, cards: Array<Box & { id: string }>, moved: Positions): Positions {
  const out: Positions = {};
  for (const note of notes) {
    let with_ = cards.filter((c) => moved[c.id] && contains(note, centre(c)));
    if (!with_.length) {
      const near = cards.filter((c) => moved[c.id] && gap(note, c) <= NOTE_REACH).sort((a, b) => gap(note, a) - gap(note, b));
      with_ = near.slice(0, 1);
    }
    if (!with_.length) continue;
    const dx = with_.reduce((sum, c) => sum + moved[c.id].x - c.x, 0) / with_.length;
    const dy = with_.reduce((sum, c) => sum + moved[c.id].y - c.y, 0) / with_.length;
    if (dx || dy) out[note.id] = { x: Math.round(note.x + dx), y: Math.round(note.y + dy) };
  }
  return out;
}
