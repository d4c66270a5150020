import { useEffect, useRef } from 'react';
import { useFlowStore } from '../stores/flow-store.ts';
import { nodeTypeInfo } from '../stores/catalog-store.ts';
import { toast } from '../stores/toast-store.ts';
import { clipBox, clipCount, setClip, takeClip } from './clipboard.ts';
import { NEW_NODE_SIZE } from './placement.ts';

function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el) return false;
  const tag = el.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || el.isContentEditable;
}

const TRIGGER_KEPT = 'A flow has exactly one trigger, and this one already has it.';

/** A field with an undo of its own (text being typed): Ctrl+Z there undoes the typing, not the flow. */
function keepsOwnUndo(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el) return false;
  if (el.tagName === 'TEXTAREA' || el.isContentEditable) return true;
  return el.tagName === 'INPUT' && !['checkbox', 'radio', 'range', 'color', 'file', 'button', 'submit', 'reset'].includes((el as HTMLInputElement).type);
}

/**
 * Keyboard of the editor: Ctrl+S save, Ctrl+Z / Ctrl+Shift+Z / Ctrl+Y undo-redo, Ctrl+C / Ctrl+V
 * copy-paste, Ctrl+D duplicate, D disable/enable the selected steps, Delete/Backspace delete (nodes,
 * notes, wires: everything selected, e.g. with a Shift-drag selection box), Ctrl+A select all. Text
 * fields keep their own keys.
 */
export function useEditorShortcuts(opts: { onSave(): void; enabled: boolean; placeGroup(size: { width: number; height: number }): { x: number; y: number } }) {
  const ref = useRef(opts);
  ref.current = opts;

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!ref.current.enabled) return;
      if (document.querySelector('[role="dialog"]')) return;
      const mod = e.ctrlKey || e.metaKey;
      const key = e.key.toLowerCase();
      if (mod && key === 's') {
        e.preventDefault();
        ref.current.onSave();
        return;
      }
      // A select keeps the keyboard (Delete, letters pick options), but has no undo: after choosing
      // in one, Ctrl+Z / Ctrl+Y undo and redo the flow as anywhere else.
      const undoKey = mod && (key === 'z' || key === 'y');
      if (isTyping(e.target) && !(undoKey && !keepsOwnUndo(e.target))) return;
      const store = useFlowStore.getState();
      if (mod && key === 'z' && !e.shiftKey) {
        e.preventDefault();
        store.undo();
      } else if ((mod && key === 'z' && e.shiftKey) || (mod && key === 'y')) {
        e.preventDefault();
        store.redo();
      } else if (mod && key === 'c') {
        const c = store.copySelection();
        if (c) {
          setClip(c);
          toast.info(`Copied ${clipCount(c.nodes.length, c.notes?.length ?? 0)}`);
        }
      } else if (mod && key === 'v') {
        const t = takeClip();
        if (!t) return;
        e.preventDefault();
        // Copied in another flow, its positions mean nothing here (off screen, on other cards): the
        // group goes into free space in view, next to the selection, as a node from the palette does.
        let offset = t.offset;
        // Placed by the nodes that will be pasted (a trigger is left out where the flow has one).
        const hasTrigger = store.nodes.some((n) => nodeTypeInfo(n.data.type)?.trigger);
        const pasting = t.clip.nodes.filter((n) => !(hasTrigger && nodeTypeInfo(n.type)?.trigger));
        if (t.clip.flowId !== store.meta?.id && (pasting.length || t.clip.notes?.length)) {
          const box = clipBox({ ...t.clip, nodes: pasting }, NEW_NODE_SIZE);
          const spot = ref.current.placeGroup(box);
          offset = { x: spot.x - box.x, y: spot.y - box.y };
        }
        const r = store.paste(t.clip, offset);
        if (r.skippedTriggers) toast.warning('Trigger not pasted', TRIGGER_KEPT);
      } else if (mod && key === 'd') {
        e.preventDefault();
        const r = store.duplicateSelection({ x: 40, y: 40 });
        if (r.pasted || r.notes) toast.info(`Duplicated ${clipCount(r.pasted, r.notes)}`);
        // Said, or Ctrl+D on the trigger alone would seem to do nothing.
        if (r.skippedTriggers) toast.warning('Trigger not duplicated', TRIGGER_KEPT);
      } else if (!mod && !e.altKey && key === 'd') {
        if (store.toggleDisabled()) e.preventDefault();
        else if (store.nodes.some((n) => n.selected)) toast.warning('A trigger cannot be disabled', 'Records enter the flow there, so it always runs. Disable the steps after it instead.');
      } else if (mod && key === 'a') {
        e.preventDefault();
        // The notes too: a flow moved or cleared with Ctrl+A must not leave its notes behind.
        store.selectAll();
      } else if (e.key === 'Delete' || e.key === 'Backspace') {
        if (store.deleteSelection()) e.preventDefault();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
