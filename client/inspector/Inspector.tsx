import { selectedNodeId, useFlowStore } from '../stores/flow-store.ts';
import { NodeInspector } from './NodeInspector.tsx';
import { FlowInspector } from './FlowInspector.tsx';
import { RunSettings } from './RunSettings.tsx';

/** Right panel: the selected node's form and data, or the flow's fields with its run settings. */
export function Inspector() {
  const nodeId = useFlowStore(selectedNodeId);
  return (
    <aside className="scrollbar-thin flex w-80 shrink-0 flex-col overflow-y-auto border-l border-slate-200 bg-white" data-testid="inspector">
      {nodeId ? <NodeInspector key={nodeId} nodeId={nodeId} /> : <FlowInspector />}
      {/* Flow-level settings belong to the flow: only in its inspector, not under every node. */}
      {!nodeId && <RunSettings full />}
    </aside>
  );
}
