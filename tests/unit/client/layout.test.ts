import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { layoutFlow, needsLayout, type LayoutNode } from '../../../client/canvas/layout.ts';

const W = 232;
const H = 60;
const card = (id: string, outputs = ['out'], inputs = ['in']): LayoutNode => ({ id, width: W, height: H, inputs, outputs, errorPort: 'error' });
const edge = (source: string, target: string, sourcePort = 'out') => ({ source, sourcePort, target, targetPort: 'in' });
const overlap = (a: { x: number; y: number }, b: { x: number; y: number }) => Math.abs(a.x - b.x) < W && Math.abs(a.y - b.y) < H;

describe('auto-layout', () => {
  test('lays the main path left to right and puts the error branch below it', async () => {
    const nodes = [card('t', ['out'], []), card('a'), card('b'), card('c'), card('handle')];
    const edges = [edge('t', 'a'), edge('a', 'b'), edge('b', 'c'), edge('a', 'handle', 'error'), edge('b', 'handle', 'error')];
    const p = await layoutFlow(nodes, edges);
    expect(p.t.x).toBeLessThan(p.a.x);
    expect(p.a.x).toBeLessThan(p.b.x);
    expect(p.b.x).toBeLessThan(p.c.x);
    const mainBottom = Math.max(...['t', 'a', 'b', 'c'].map((id) => p[id].y + H));
    expect(p.handle.y).toBeGreaterThan(mainBottom);
    // Under the nodes whose errors it takes (a and b), not at the far left or right.
    expect(p.handle.x + W / 2).toBeGreaterThan(p.a.x);
    expect(p.handle.x + W / 2).toBeLessThan(p.b.x + W);
  });

  test('keeps the order of a branching node\'s ports (true above false)', async () => {
    const nodes = [card('t', ['out'], []), card('if', ['true', 'false']), card('yes'), card('no')];
    const p = await layoutFlow(nodes, [edge('t', 'if'), edge('if', 'yes', 'true'), edge('if', 'no', 'false')]);
    expect(p.yes.y).toBeLessThan(p.no.y);
    expect(p.yes.x).toBeGreaterThan(p.if.x);
  });

  test('the signup template comes out without overlaps, in rows, error handling below', async () => {
    const flow = JSON.parse(readFileSync('flows/signup-with-email-code.json', 'utf8')) as {
      nodes: Array<{ id: string; type: string; position: { x: number; y: number } }>;
      edges: Array<{ source: string; sourcePort: string; target: string; targetPort: string }>;
    };
    const nodes = flow.nodes.map((n) => ({ ...card(n.id, ['out'], n.type === 'sheet.read' ? [] : ['in']), position: n.position }));
    expect(needsLayout(nodes.map((n) => ({ ...n.position!, width: W, height: H })))).toBe(true);
    const p = await layoutFlow(nodes, flow.edges);
    const ids = Object.keys(p);
    expect(ids).toHaveLength(14);
    for (let i = 0; i < ids.length; i++) for (let j = i + 1; j < ids.length; j++) expect(overlap(p[ids[i]], p[ids[j]]), `${ids[i]} / ${ids[j]}`).toBe(false);
    const rows = new Set(ids.map((id) => p[id].y));
    expect(rows.size).toBeGreaterThan(2);
    const xs = ids.map((id) => p[id].x);
    const ys = ids.map((id) => p[id].y);
    const width = Math.max(...xs) + W - Math.min(...xs);
    const height = Math.max(...ys) + H - Math.min(...ys);
    expect(width).toBeLessThan(3 * height);
    expect(p.review.y).toBe(Math.max(...ys));
    expect(needsLayout(ids.map((id) => ({ ...p[id], width: W, height: H })))).toBe(false);
  });

  test('a flow opens laid out when nodes overlap or it is a long strip, not otherwise', () => {
    const at = (x: number, y: number) => ({ x, y, width: W, height: H });
    expect(needsLayout([at(0, 0), at(100, 20)])).toBe(true);
    expect(needsLayout([at(0, 0), at(300, 0), at(600, 0)])).toBe(false);
    expect(needsLayout(Array.from({ length: 6 }, (_, i) => at(i * 300, 0)))).toBe(true);
    expect(needsLayout(Array.from({ length: 6 }, (_, i) => at((i % 3) * 300, Math.floor(i / 3) * 150)))).toBe(false);
  });
});
