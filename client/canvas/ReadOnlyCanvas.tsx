import { useMemo, useRef } from 'react';
import { Background, BackgroundVariant, Controls, MiniMap, ReactFlow, useNodesState } from '@xyflow/react';
import type { FlowDocument } from '../api/types.ts';
import { toCanvasEdge, toCanvasNode, type CanvasNode } from '../stores/flow-doc.ts';
import { nodeTypes } from './FlowNodeCard.tsx';
import { useDisplayEdges } from './use-display-edges.ts';
import { minimapColor } from './minimap.ts';
import { useAutoFit } from './use-auto-fit.ts';

/** A flow snapshot shown as it ran: no editing, live/final counters from the live-run store. */
export function ReadOnlyCanvas({ flow }: { flow: FlowDocument }) {
  const initial = useMemo(() => flow.nodes.map((n) => toCanvasNode(n)), [flow]);
  const [nodes, , onNodesChange] = useNodesState<CanvasNode>(initial);
  const edges = useMemo(() => flow.edges.map((e) => toCanvasEdge(e)), [flow]);
  const displayEdges = useDisplayEdges(edges);
  const box = useRef<HTMLDivElement>(null);
  const { onMoveStart, fitted } = useAutoFit(box);
  return (
    <div ref={box} className="relative h-full w-full" data-testid="canvas" data-readonly="true" data-fitted={fitted ? 'true' : 'false'}>
      <ReactFlow<CanvasNode>
        nodes={nodes}
        edges={displayEdges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onMoveStart={onMoveStart}
        nodesDraggable={false}
        nodesConnectable={false}
        elementsSelectable={false}
        deleteKeyCode={null}
        minZoom={0.2}
        defaultEdgeOptions={{ type: 'smoothstep' }}
        proOptions={{ hideAttribution: true }}
      >
        <Background variant={BackgroundVariant.Dots} gap={18} size={1.2} color="#cbd5e1" />
        <MiniMap position="top-right" style={{ width: 168, height: 112 }} pannable zoomable nodeColor={minimapColor} nodeStrokeWidth={0} nodeBorderRadius={6} maskColor="rgb(241 245 249 / 0.7)" />
        <Controls showInteractive={false} />
      </ReactFlow>
      <div data-testid="canvas-overlay" className="pointer-events-none absolute top-3 left-3 rounded-md bg-white/90 px-2 py-1 text-xs font-medium text-slate-500 shadow-sm ring-1 ring-slate-200">Read-only snapshot of the flow as it ran</div>
    </div>
  );
}
