import type { NodeTypeInfo } from '../api/types.ts';
import { sortCategories } from './categories.ts';

/** Does a node type match what was typed (title, type, description or category)? */
export function matchesNodeType(t: NodeTypeInfo, query: string): boolean {
  const q = query.trim().toLowerCase();
  return !q || t.title.toLowerCase().includes(q) || t.type.toLowerCase().includes(q) || t.description.toLowerCase().includes(q) || String(t.category).toLowerCase().includes(q);
}

/** Matching node types grouped by category, categories in palette order, titles A→Z. */
export function groupNodeTypes(types: NodeTypeInfo[], query: string, keep: (t: NodeTypeInfo) => boolean = () => true): Array<{ category: string; items: NodeTypeInfo[] }> {
  const by = new Map<string, NodeTypeInfo[]>();
  for (const t of types) {
    if (!keep(t) || !matchesNodeType(t, query)) continue;
    const c = String(t.category || 'Other');
    if (!by.has(c)) by.set(c, []);
    by.get(c)!.push(t);
  }
  return sortCategories([...by.keys()]).map((c) => ({ category: c, items: by.get(c)!.sort((a, b) => a.title.localeCompare(b.title)) }));
}
