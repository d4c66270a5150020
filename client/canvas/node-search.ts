import type { NodeTypeInfo } from '../api/types.ts';
import { sortCategories } from './categories.ts';

/**
 * How well a node type matches what was typed: lower is better, null when it does not match.
 * The title counts before the type name, the type name before the description and category, so
 * typing "If" puts If first even though "if" also stands in Score's description ("qualified").
 */
export function nodeTypeRank(t: NodeTypeInfo, query: string): number | null {
  const q = query.trim().toLowerCase();
  if (!q) return 0;
  const whole = textRank(t, q);
  if (whole !== null) return whole;
  // Several words ("browser click" for "Browser: click"): each must match somewhere; ranked by the
  // weakest, just after the matches of the whole text.
  const words = q.split(/[^a-z0-9]+/).filter(Boolean);
  if (words.length < 2) return null;
  const ranks = words.map((w) => textRank(t, w));
  return ranks.every((r) => r !== null) ? Math.max(...(ranks as number[])) + 0.5 : null;
}

/** The rank of one piece of text typed (see nodeTypeRank). */
function textRank(t: NodeTypeInfo, q: string): number | null {
  const title = t.title.toLowerCase();
  if (title === q) return 0;
  if (title.startsWith(q)) return 1;
  if (title.split(/[^a-z0-9]+/).some((word) => word.startsWith(q))) return 2;
  if (title.includes(q)) return 3;
  if (t.type.toLowerCase().includes(q)) return 4;
  if (t.description.toLowerCase().includes(q) || String(t.category).toLowerCase().includes(q)) return 5;
  return null;
}

/** Does a node type match what was typed (title, type, description or category)? */
export function matchesNodeType(t: NodeTypeInfo, query: string): boolean {
  return nodeTypeRank(t, query) !== null;
}

/**
 * Matching node types grouped by category. Without a query: categories in palette order, titles A→Z.
 * With one: the category holding the best match first, and within a category the best matches
 * first (then A→Z), so the first item — what Enter picks — is the best match.
 */
export function groupNodeTypes(types: NodeTypeInfo[], query: string, keep: (t: NodeTypeInfo) => boolean = () => true): Array<{ category: string; items: NodeTypeInfo[] }> {
  const by = new Map<string, Array<{ t: NodeTypeInfo; rank: number }>>();
  for (const t of types) {
    const rank = keep(t) ? nodeTypeRank(t, query) : null;
    if (rank === null) continue;
    const c = String(t.category || 'Other');
    if (!by.has(c)) by.set(c, []);
    by.get(c)!.push({ t, rank });
  }
  const best = (c: string) => Math.min(...by.get(c)!.map((x) => x.rank));
  const order = sortCategories([...by.keys()]);
  const categories = query.trim() ? order.map((c, i) => ({ c, i })).sort((a, b) => best(a.c) - best(b.c) || a.i - b.i).map((x) => x.c) : order;
  return categories.map((c) => ({
    category: c,
    items: by.get(c)!.sort((a, b) => a.rank - b.rank || a.t.title.localeCompare(b.t.title)).map((x) => x.t),
  }));
}
