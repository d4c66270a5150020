import { z } from 'zod';
import type { Json } from '../../nodes/sdk/types.ts';
import { ConveyorError } from '../errors.ts';
import type { NodeStateStore } from '../store/types.ts';
import type { Suppression } from '../contract/wire/tracking.ts';
export type { Suppression };

/**
 * The suppression list: addresses no mail step of this installation sends to any more, for every
 * flow (an unsubscribe is a person's wish about us, not about one flow). Kept in the store's node
 * state under scope `install`, pseudo node `~suppression`, one key per address in lower case.
 */
const SCOPE = 'install';
const NODE = '~suppression';

const ADDRESS = /^[^\s@<>,;"]+@[^\s@<>,;"]+$/;

export const addressSchema = z
  .string()
  .trim()
  .max(320, 'An email address has at most 320 characters.')
  .refine((a) => ADDRESS.test(a), 'This is not an email address (name@example.com).');

/** One spelling per mailbox: trimmed, lower case, without a display name. */
export function normalizeAddress(value: string): string {
  const bare = /<([^>]*)>\s*$/.exec(value)?.[1] ?? value;
  return bare.trim().toLowerCase();
}

type SuppressionStore = Pick<NodeStateStore, 'getNodeState' | 'pageNodeState' | 'putNodeState' | 'claimNodeState'>;

export class SuppressionList {
  constructor(private readonly store: SuppressionStore) {}

  /** Adds (or keeps) an address; an address already listed keeps its first entry. */
  async add(entry: Omit<Suppression, 'address'> & { address: string }): Promise<Suppression> {
    const address = normalizeAddress(entry.address);
    const value: Suppression = { ...entry, address };
    // One step (claimNodeState): two adds of one address at once (an unsubscribe and an operator's
    // add, two clicks) both found it free and the second replaced the first, answered to its caller.
    return (await this.store.claimNodeState(SCOPE, NODE, address, value as unknown as Json)) as unknown as Suppression;
  }

  async get(address: string): Promise<Suppression | null> {
    return (await this.store.getNodeState(SCOPE, NODE, normalizeAddress(address))) as unknown as Suppression | null;
  }

  async remove(address: string): Promise<void> {
    const key = normalizeAddress(address);
    if (!(await this.get(key))) {
      throw new ConveyorError('E_SUPPRESSION_NOT_FOUND', `${key} is not on the suppression list.`, 'Check the spelling; the list shows every address it holds.', 404);
    }
    await this.store.putNodeState([{ scope: SCOPE, nodeId: NODE, key, value: null }]);
  }

  /** The addresses of `list` that are suppressed, as given. */
  async suppressed(list: string[]): Promise<string[]> {
    const hits: string[] = [];
    for (const a of list) if (await this.get(a)) hits.push(a);
    return hits;
  }

  /** Addresses in alphabetical order, optionally only those containing `search`. */
  /**
   * A page of the list, by address, with the addresses holding `search` (keys are the addresses in
   * lower case): the store reads that page's rows only, instead of every address of the list for each
   * page.
   */
  async list(filter: { search?: string; offset?: number; limit?: number } = {}): Promise<{ items: Suppression[]; total: number }> {
    const needle = filter.search?.trim().toLowerCase();
    const page = await this.store.pageNodeState(SCOPE, NODE, { ...(needle ? { contains: needle } : {}), offset: filter.offset ?? 0, limit: filter.limit ?? 100 });
    return { items: page.items.map((r) => r.value as unknown as Suppression), total: page.total };
  }
}
