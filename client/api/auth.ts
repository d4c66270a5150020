import { create } from 'zustand';
import { request, setCsrfToken } from './http.ts';

/** What GET /api/auth/status answers (docs/api.md, "Authentication"). */
export interface AuthStatus {
  required: boolean;
  authenticated: boolean;
  csrfToken?: string;
  setupNeeded: boolean;
}

interface AuthState {
  /** null until the first answer. */
  status: AuthStatus | null;
  /** The status could not be read (server down): the studio shows its pages, which show the error. */
  failed: boolean;
  refresh(): Promise<AuthStatus | null>;
  login(password: string): Promise<AuthStatus>;
  setup(password: string): Promise<AuthStatus>;
  logout(): Promise<void>;
}

function apply(set: (s: Partial<AuthState>) => void, status: AuthStatus): AuthStatus {
  setCsrfToken(status.csrfToken);
  set({ status, failed: false });
  return status;
}

export const useAuth = create<AuthState>((set) => ({
  status: null,
  failed: false,
  async refresh() {
    try {
      return apply(set, await request<AuthStatus>('GET', '/api/auth/status'));
    } catch {
      set({ failed: true });
      return null;
    }
  },
  async login(password) {
    return apply(set, await request<AuthStatus>('POST', '/api/auth/login', { password }));
  },
  async setup(password) {
    return apply(set, await request<AuthStatus>('POST', '/api/auth/setup', { password }));
  },
  async logout() {
    try {
      await request<void>('POST', '/api/auth/logout', {});
    } finally {
      // Loaded on demand: socket.io stays out of the first screen's code (pages with live updates load it).
      await import('./socket.ts').then((m) => m.closeSocket()).catch(() => undefined);
      setCsrfToken(null);
      set({ status: null });
    }
  },
}));

/** A `next` address from the sign-in page's query, only when it stays inside the studio. */
export function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') && !next.startsWith('/login') ? next : '/';
}
