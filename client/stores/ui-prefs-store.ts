import { create } from 'zustand';
import { persist } from 'zustand/middleware';

/** Which editor panels are folded away; remembered in this browser (localStorage). */
interface UiPrefs {
  paletteCollapsed: boolean;
  inspectorCollapsed: boolean;
  runPanelCollapsed: boolean;
  toggle(panel: 'palette' | 'inspector' | 'runPanel'): void;
}

export const useUiPrefs = create<UiPrefs>()(
  persist(
    (set) => ({
      paletteCollapsed: false,
      inspectorCollapsed: false,
      runPanelCollapsed: false,
      toggle: (panel) =>
        set((s) =>
          panel === 'palette'
            ? { paletteCollapsed: !s.paletteCollapsed }
            : panel === 'inspector'
              ? { inspectorCollapsed: !s.inspectorCollapsed }
              : { runPanelCollapsed: !s.runPanelCollapsed },
        ),
    }),
    { name: 'conveyor.editor.panels', partialize: (s) => ({ paletteCollapsed: s.paletteCollapsed, inspectorCollapsed: s.inspectorCollapsed, runPanelCollapsed: s.runPanelCollapsed }) },
  ),
);
