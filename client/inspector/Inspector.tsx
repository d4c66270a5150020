import { selectedNodeId, useFlowStore } from '../stores/flow-store.ts';
import { NodeInspector } from './NodeInspector.tsx';
import { FlowInspector } from './FlowInspector.tsx';
import { RunSettings } from './RunSettings.tsx';

/** Right panel: the selected node's form, or the flow's fields; run settings below. */
export function Inspector() {
  const nodeId = useFlowStore(selectedNodeId);
  return (
    <aside className="scrollbar-thin flex w-80 shrink-0 flex-col overflow-y-auto border-l border-slate-200 bg-white" data-testid="inspector">
      {nodeId ? <NodeInspector key={nodeId} nodeId={nodeId} /> : <FlowInspector />}
      <RunSettings full={!nodeId} />
    </aside>
  );
}
