import { describe, expect, it } from 'vitest';
import { createRegistry } from '../../../nodes/index.ts';
import { groupNodeTypes } from '../../../client/canvas/node-search.ts';
import type { NodeTypeInfo } from '../../../client/api/types.ts';

// The shipped catalogue, as GET /api/node-types serves it to the palette and the picker.
const catalog = createRegistry().catalog() as NodeTypeInfo[];
const first = (query: string) => groupNodeTypes(catalog, query)[0]?.items[0]?.title;

describe('node search (palette and picker): what Enter picks', () => {
  it('a typed title picks that step, even where other steps mention the word in their description', () => {
    // "if" stands inside Score's description ("qualified"): the If step must still come first.
    expect(groupNodeTypes(catalog, 'If').flatMap((g) => g.items).length).toBeGreaterThan(1);
    expect(first('If')).toBe('If');
    expect(first('delay')).toBe('Delay');
    expect(first('Score')).toBe('Score');
  });

  it('title prefixes beat words found only in descriptions, and no query keeps palette order', () => {
    expect(first('sen')).toMatch(/^Send/);
    const all = groupNodeTypes(catalog, '');
    expect(all.flatMap((g) => g.items)).toHaveLength(catalog.length);
    for (const g of all) expect(g.items.map((t) => t.title)).toEqual([...g.items.map((t) => t.title)].sort((a, b) => a.localeCompare(b)));
  });

  it('a query nothing matches lists nothing', () => {
    expect(groupNodeTypes(catalog, 'zzqx-no-such-step')).toEqual([]);
  });
});

describe('node search with several words', () => {
  it('"browser click" finds "Browser: click" (the colon stood between the words), each word anywhere', () => {
    expect(first('browser click')).toBe('Browser: click');
    expect(first('browser open')).toBe('Browser: open page');
    expect(first('wait code')).toBe('Wait for mailed code');
    expect(first('mail send')).toBe('Send mail');
    // Every word must match: one that matches nothing lists nothing.
    expect(groupNodeTypes(catalog, 'browser zzqx')).toEqual([]);
  });
});
