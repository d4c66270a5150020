import { create } from 'zustand';
import { errorMessage } from '../api/http.ts';
import { credentialsApi, type Credential, type CredentialKindInfo } from './api.ts';

interface CredentialsState {
  items: Credential[];
  kinds: CredentialKindInfo[];
  status: 'idle' | 'loading' | 'ready' | 'error';
  error: string | null;
  /** Loads the list and the kinds (again when `force`). */
  load(force?: boolean): Promise<void>;
}

/** The credentials list and kinds, shared by the Credentials page and the inspector's credential selects. */
export const useCredentials = create<CredentialsState>((set, get) => ({
  items: [],
  kinds: [],
  status: 'idle',
  error: null,
  async load(force = false) {
    const s = get().status;
    if (!force && (s === 'loading' || s === 'ready')) return;
    set({ status: 'loading', error: null });
    try {
      const [items, kinds] = await Promise.all([credentialsApi.list(), credentialsApi.kinds()]);
      set({ items, kinds, status: 'ready' });
    } catch (err) {
      set({ status: 'error', error: errorMessage(err) });
    }
  },
}));

export function kindTitle(kinds: CredentialKindInfo[], kind: string): string {
  return kinds.find((k) => k.kind === kind)?.title ?? kind;
}
