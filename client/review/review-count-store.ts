import { create } from 'zustand';
import { reviewApi } from '../api/endpoints.ts';

/** How many records wait in the review queue (the nav badge); null while unknown or unavailable. */
interface ReviewCountState {
  total: number | null;
  refresh(): Promise<void>;
}

let inFlight: Promise<void> | null = null;

export const useReviewCount = create<ReviewCountState>((set) => ({
  total: null,
  refresh() {
    if (!inFlight) {
      inFlight = reviewApi
        .list({ limit: 1 })
        .then(
          (page) => set({ total: page.total }),
          () => set({ total: null }),
        )
        .finally(() => {
          inFlight = null;
        });
    }
    return inFlight;
  },
}));
