/** Fixed order and colours of the palette categories. */
export const CATEGORY_ORDER = ['Triggers', 'Data', 'Flow', 'Network', 'Output'];

export interface CategoryStyle {
  icon: string;
  accent: string;
  dot: string;
}

const STYLES: Record<string, CategoryStyle> = {
  Triggers: { icon: 'bg-emerald-100 text-emerald-700 ring-emerald-200', accent: 'bg-emerald-500', dot: 'bg-emerald-500' },
  Data: { icon: 'bg-sky-100 text-sky-700 ring-sky-200', accent: 'bg-sky-500', dot: 'bg-sky-500' },
  Flow: { icon: 'bg-violet-100 text-violet-700 ring-violet-200', accent: 'bg-violet-500', dot: 'bg-violet-500' },
  Network: { icon: 'bg-amber-100 text-amber-700 ring-amber-200', accent: 'bg-amber-500', dot: 'bg-amber-500' },
  Output: { icon: 'bg-slate-200 text-slate-700 ring-slate-300', accent: 'bg-slate-500', dot: 'bg-slate-500' },
};

export function categoryStyle(category: string | undefined): CategoryStyle {
  return STYLES[category ?? ''] ?? { icon: 'bg-slate-100 text-slate-600 ring-slate-200', accent: 'bg-slate-400', dot: 'bg-slate-400' };
}

export function sortCategories(cats: string[]): string[] {
  return [...cats].sort((a, b) => {
    const ia = CATEGORY_ORDER.indexOf(a);
    const ib = CATEGORY_ORDER.indexOf(b);
    return (ia === -1 ? 99 : ia) - (ib === -1 ? 99 : ib) || a.localeCompare(b);
  });
}

/** The glyph of a node type: its own icon, else its initials. */
export function typeGlyph(icon: string | undefined, title: string | undefined): string {
  if (icon) return icon;
  const words = (title ?? '?').split(/\s+/).filter(Boolean);
  return ((words[0]?.[0] ?? '?') + (words[1]?.[0] ?? '')).toUpperCase();
}
