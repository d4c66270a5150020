import { useCallback, useEffect, useMemo, useState } from 'react';
import { useBlocker, useParams } from 'react-router';
import { ReactFlowProvider } from '@xyflow/react';
import { flowsApi, runsApi } from '../api/endpoints.ts';
import { ApiError, errorMessage } from '../api/http.ts';
import type { RunInputBody } from '../api/types.ts';
import { useFlowStore } from '../stores/flow-store.ts';
import { useCatalog } from '../stores/catalog-store.ts';
import { useLiveRun } from '../stores/live-run-store.ts';
import { useLastRun } from '../data/last-run-store.ts';
import { toast } from '../stores/toast-store.ts';
import { EditorCanvas } from '../canvas/EditorCanvas.tsx';
import { EditorToolbar } from '../canvas/EditorToolbar.tsx';
import { Palette } from '../canvas/Palette.tsx';
import { useEditorShortcuts } from '../canvas/use-editor-shortcuts.ts';
import { usePlaceNode } from '../canvas/placement.ts';
import { useFitFlow } from '../canvas/use-auto-fit.ts';
import { useUiPrefs } from '../stores/ui-prefs-store.ts';
import { InspectorRail } from '../canvas/PanelRails.tsx';
import { Inspector } from '../inspector/Inspector.tsx';
import { RunDialog } from '../run/RunDialog.tsx';
import { RunPanel } from '../run/RunPanel.tsx';
import { useRunConnection } from '../run/use-run-connection.ts';
import { announceRunEnd } from '../run/announce-run-end.ts';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { ErrorDialog } from '../components/ErrorDialog.tsx';
import { ErrorState } from '../components/EmptyState.tsx';
import { LoadingState } from '../components/Spinner.tsx';
import { isRunActive } from '../lib/run-status.ts';
import { downloadUrl } from '../lib/download.ts';
import { useNodeNames } from './use-node-names.ts';
import { problemStep } from '../components/problem-step.ts';
import type { Problem } from '../api/http.ts';

/** The step of a save or run problem, from the flow as the editor holds it (the document it sent). */
const stepOfProblem = (p: Problem) => problemStep(p, useFlowStore.getState().nodes, useCatalog.getState().byType);

export function EditorPage() {
  const { id = '' } = useParams();
  return (
    <ReactFlowProvider key={id}>
      <Editor flowId={id} />
    </ReactFlowProvider>
  );
}

function Editor({ flowId }: { flowId: string }) {
  const [loadState, setLoadState] = useState<{ status: 'loading' | 'ready' | 'error'; error?: unknown }>({ status: 'loading' });
  const [reloadTick, setReloadTick] = useState(0);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<unknown>(null);
  const [runError, setRunError] = useState<unknown>(null);
  const [runDialog, setRunDialog] = useState(false);
  const dirty = useFlowStore((s) => s.dirty);
  const nodes = useFlowStore((s) => s.nodes);
  const catalogStatus = useCatalog((s) => s.status);
  const runId = useLiveRun((s) => (s.flowId === flowId ? s.runId : null));
  const runStatus = useLiveRun((s) => (s.flowId === flowId ? s.status : null));
  const fitFlow = useFitFlow();
  const placeNode = usePlaceNode();
  const inspectorCollapsed = useUiPrefs((s) => s.inspectorCollapsed);

  useEffect(() => {
    void useCatalog.getState().load();
  }, []);

  useEffect(() => {
    let cancelled = false;
    setLoadState({ status: 'loading' });
    if (useLiveRun.getState().flowId !== flowId) useLiveRun.getState().reset();
    flowsApi.get(flowId).then(
      (entry) => {
        if (cancelled) return;
        useFlowStore.getState().load(entry.flow);
        setLoadState({ status: 'ready' });
      },
      (error) => !cancelled && setLoadState({ status: 'error', error }),
    );
    return () => {
      cancelled = true;
      useFlowStore.getState().clear();
    };
  }, [flowId, reloadTick]);

  useRunConnection(runId);

  // The run panel takes room from the canvas: fit the flow into what is left.
  useEffect(() => {
    if (!runId) return;
    const t = setTimeout(() => void fitFlow(200), 60);
    return () => clearTimeout(t);
  }, [runId, fitFlow]);

  // Say when a run this page watches comes to an end.
  const finalStatus = useLiveRun((s) => (s.flowId === flowId && s.final ? s.status : null));

  // The flow's last run: its counters stay on the canvas (marked "last run") when no run is attached.
  useEffect(() => {
    void useLastRun.getState().load(flowId);
  }, [flowId, runId, finalStatus]);
  useEffect(() => () => useLastRun.getState().clear(), [flowId]);
  useEffect(() => {
    // A Safe Stop too: the run halted itself on its error rate, and says why (the run panel's line alone was easy to miss).
    if (finalStatus === 'completed' || finalStatus === 'failed' || finalStatus === 'safe_stopped') announceRunEnd();
  }, [finalStatus]);

  // Unsaved changes: warn before closing the tab and before leaving the page in the app.
  useEffect(() => {
    if (!dirty) return;
    const onBeforeUnload = (e: BeforeUnloadEvent) => {
      e.preventDefault();
      e.returnValue = '';
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => window.removeEventListener('beforeunload', onBeforeUnload);
  }, [dirty]);
  const blocker = useBlocker(({ currentLocation, nextLocation }) => useFlowStore.getState().dirty && currentLocation.pathname !== nextLocation.pathname);

  const save = useCallback(async (): Promise<boolean> => {
    const store = useFlowStore.getState();
    if (!store.meta) return false;
    const doc = store.document();
    setSaving(true);
    try {
      await flowsApi.save(doc);
      useFlowStore.getState().markSaved(doc);
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.problems.length) setSaveError(err);
      else toast.error('Could not save the flow', errorMessage(err));
      return false;
    } finally {
      setSaving(false);
    }
  }, []);

  const saveWithToast = useCallback(async () => {
    if (await save()) toast.success('Flow saved');
  }, [save]);

  useEditorShortcuts({ onSave: () => void saveWithToast(), enabled: loadState.status === 'ready', placeGroup: placeNode });

  const startRun = useCallback(
    async (input: RunInputBody | undefined, options: { reprocess: boolean } = { reprocess: false }): Promise<boolean> => {
      if (useFlowStore.getState().dirty && !(await save())) return false;
      try {
        const summary = await runsApi.start(flowId, input, options.reprocess ? { reprocess: true } : undefined);
        useLiveRun.getState().attach(summary);
        toast.success('Run started', `${summary.recordCount} record${summary.recordCount === 1 ? '' : 's'} to process.`);
        return true;
      } catch (err) {
        if (err instanceof ApiError && (err.problems.length || err.status === 422)) setRunError(err);
        else toast.error('Could not start the run', errorMessage(err));
        return false;
      }
    },
    [flowId, save],
  );

  const exportFlow = useCallback(async () => {
    if (useFlowStore.getState().dirty && !(await save())) return;
    downloadUrl(flowsApi.exportUrl(flowId));
  }, [flowId, save]);

  const addType = useCallback((type: string, position: { x: number; y: number }) => {
    const info = useCatalog.getState().byType[type];
    if (info?.trigger && useFlowStore.getState().nodes.some((n) => useCatalog.getState().byType[n.data.type]?.trigger)) {
      toast.warning('This flow already has a trigger', 'A flow starts from exactly one trigger. Remove the current one first to use another.');
      return;
    }
    useFlowStore.getState().addNode(type, position);
  }, []);

  // Double-click or Enter in the palette: in free space next to the selection or the last added node.
  const addAtCenter = useCallback((type: string) => addType(type, placeNode()), [addType, placeNode]);

  const nodeNames = useNodeNames(nodes);
  const active = isRunActive(runStatus);
  const readyToShow = loadState.status === 'ready' && catalogStatus !== 'idle' && catalogStatus !== 'loading';

  if (loadState.status === 'error') {
    const e = loadState.error;
    return (
      <ErrorState
        title={e instanceof ApiError && e.status === 404 ? 'This flow does not exist' : 'Could not open the flow'}
        message={errorMessage(e)}
        hint={e instanceof ApiError ? e.hint : undefined}
        onRetry={() => setReloadTick((t) => t + 1)}
      />
    );
  }
  if (!readyToShow) return <LoadingState label="Opening the flow…" />;

  return (
    <div className="flex min-h-0 flex-1 flex-col" data-testid="editor">
      <EditorToolbar onSave={() => void saveWithToast()} onRun={() => setRunDialog(true)} onExport={() => void exportFlow()} saving={saving} running={active} />
      <div className="flex min-h-0 flex-1">
        <Palette onAdd={addAtCenter} />
        <div className="flex min-w-0 flex-1 flex-col">
          <div className="min-h-0 flex-1">
            <EditorCanvas onAddType={addType} />
          </div>
          {runId && <RunPanel key={runId} nodeNames={nodeNames} onStart={() => setRunDialog(true)} onClose={active ? undefined : () => useLiveRun.getState().reset()} />}
        </div>
        {inspectorCollapsed ? <InspectorRail /> : <Inspector />}
      </div>

      <RunDialog open={runDialog} onClose={() => setRunDialog(false)} onStart={startRun} dirty={dirty} />
      <ErrorDialog title="The flow was not saved" error={saveError} onClose={() => setSaveError(null)} testId="save-error" stepOf={stepOfProblem} />
      <ErrorDialog title="The run could not start" error={runError} onClose={() => setRunError(null)} testId="run-error" stepOf={stepOfProblem} />
      <ConfirmDialog
        open={blocker.state === 'blocked'}
        title="Leave without saving?"
        confirmLabel="Discard changes"
        cancelLabel="Stay here"
        danger
        onCancel={() => blocker.reset?.()}
        onConfirm={() => blocker.proceed?.()}
      >
        This flow has changes that are not saved. If you leave now, they are lost.
      </ConfirmDialog>
    </div>
  );
}
