const lowered = (taken: Iterable<string>) => new Set([...taken].map((n) => n.trim().toLowerCase()));

/** `name` when no node has it, else `stem 2`, `stem 3`… the first free one (case ignored). */
function freeName(name: string, stem: string, names: ReadonlySet<string>): string {
  if (!names.has(name.trim().toLowerCase())) return name;
  let n = 2;
  while (names.has(`${stem} ${n}`.toLowerCase())) n++;
  return `${stem} ${n}`;
}

/**
 * The name a new node gets: its type's title ("Set fields"), or the title with the first free
 * counter when that name is taken ("Set fields 2", "Set fields 3"), as n8n and Node-RED users
 * expect. A node without a name of its own counts as named after its type's title.
 */
export function defaultNodeName(title: string, taken: Iterable<string>): string {
  return freeName(title, title, lowered(taken));
}

/**
 * The name a pasted or duplicated node gets: its own when no node has it yet (pasting into another
 * flow keeps the names), else the next free counter of its stem ("Score" → "Score 2", a copy of
 * "Score 2" → "Score 3"), so the run log, the review queue and the report never show two steps
 * under one name.
 */
export function copyName(name: string, taken: Iterable<string>): string {
  return freeName(name, name.trim().replace(/\s+\d+$/, '') || name.trim(), lowered(taken));
}
