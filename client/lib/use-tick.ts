import { useEffect, useState } from 'react';

/** Re-renders the component every `ms` while `active`: for clocks that move between updates. */
export function useTick(active: boolean, ms = 1000): void {
  const [, set] = useState(0);
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => set((x) => x + 1), ms);
    return () => clearInterval(t);
  }, [active, ms]);
}
