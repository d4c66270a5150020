import { describe, expect, test } from 'vitest';
import { NOTE_REACH, notesFollow } from '../../../client/canvas/notes-follow.ts';

const card = (id: string, x: number, y: number) => ({ id, x, y, width: 200, height: 60 });

describe('sticky notes on auto-layout', () => {
  const cards = [card('a', 0, 0), card('b', 300, 0), card('c', 1000, 600)];
  const moved = { a: { x: 100, y: 400 }, b: { x: 400, y: 400 }, c: { x: 700, y: 400 } };

  test('a note over cards moves with them (their mean shift); one beside a card follows that card', () => {
    const over = { id: 'note/over', x: -20, y: -40, width: 560, height: 140 }; // covers a and b: both moved +100, +400
    const beside = { id: 'note/beside', x: 1000, y: 680, width: 200, height: 80 }; // just under c
    expect(notesFollow([over, beside], cards, moved)).toEqual({
      'note/over': { x: 80, y: 360 },
      'note/beside': { x: 700, y: 480 },
    });
  });

  test('a note near no card, or whose cards did not move, stays where it is', () => {
    const far = { id: 'note/far', x: 2000 + NOTE_REACH, y: 2000, width: 200, height: 80 };
    const still = { id: 'note/still', x: -10, y: -10, width: 220, height: 80 };
    expect(notesFollow([far, still], cards, { a: { x: 0, y: 0 } })).toEqual({});
  });
});
