/**
 * The name a new node gets: its type's title ("Set fields"), or the title with the first free
 * counter when that name is taken ("Set fields 2", "Set fields 3"), as n8n and Node-RED users
 * expect. A node without a name of its own counts as named after its type's title.
 */
export function defaultNodeName(title: string, taken: Iterable<string>): string {
  const names = new Set([...taken].map((n) => n.trim().toLowerCase()));
  if (!names.has(title.toLowerCase())) return title;
  let n = 2;
  while (names.has(`${title} ${n}`.toLowerCase())) n++;
  return `${title} ${n}`;
}
