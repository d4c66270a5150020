const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';

export function random(n = 4): string {
  let out = '';
  const bytes = crypto.getRandomValues(new Uint8Array(n));
  for (const b of bytes) out += ALPHABET[b % ALPHABET.length];
  return out;
}

/** Short, readable node id: `<typeSuffix>_<random4>` (e.g. `if_k3f9`), unique among `taken`. */
export function newNodeId(type: string, taken: ReadonlySet<string>): string {
  const suffix = (type.split('.').pop() ?? 'node').replace(/[^A-Za-z0-9]+/g, '_').slice(0, 24) || 'node';
  for (;;) {
    const id = `${suffix}_${random(4)}`;
    if (!taken.has(id)) return id;
  }
}

export function newEdgeId(taken: ReadonlySet<string>): string {
  for (;;) {
    const id = `e_${random(6)}`;
    if (!taken.has(id)) return id;
  }
}
