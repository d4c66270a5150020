import { create } from 'zustand';

export type ToastKind = 'info' | 'success' | 'error' | 'warning';

export interface Toast {
  id: number;
  kind: ToastKind;
  title: string;
  message?: string;
}

interface ToastState {
  toasts: Toast[];
  push(t: Omit<Toast, 'id'>, ttlMs?: number): number;
  dismiss(id: number): void;
}

let nextId = 1;

export const useToasts = create<ToastState>((set, get) => ({
  toasts: [],
  push(t, ttlMs = t.kind === 'error' ? 7000 : 4000) {
    const id = nextId++;
    // The same message twice in a row replaces the older one instead of stacking up.
    const rest = get().toasts.filter((x) => !(x.title === t.title && x.message === t.message));
    set({ toasts: [...rest.slice(-3), { ...t, id }] });
    if (ttlMs > 0) setTimeout(() => get().dismiss(id), ttlMs);
    return id;
  },
  dismiss(id) {
    set({ toasts: get().toasts.filter((t) => t.id !== id) });
  },
}));

export const toast = {
  info: (title: string, message?: string) => useToasts.getState().push({ kind: 'info', title, message }),
  success: (title: string, message?: string) => useToasts.getState().push({ kind: 'success', title, message }),
  warning: (title: string, message?: string) => useToasts.getState().push({ kind: 'warning', title, message }),
  error: (title: string, message?: string) => useToasts.getState().push({ kind: 'error', title, message }),
};
