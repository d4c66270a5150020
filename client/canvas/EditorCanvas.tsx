import { useCallback, useRef } from 'react';
import { useAutoFit } from './use-auto-fit.ts';
import {
  Background,
  BackgroundVariant,
  Controls,
  MiniMap,
  ReactFlow,
  useReactFlow,
  type Connection,
  type Edge,
  type FinalConnectionState,
  type IsValidConnection,
} from '@xyflow/react';
import { useFlowStore, type CanvasNode } from '../stores/flow-store.ts';
import { useCatalog } from '../stores/catalog-store.ts';
import { toast } from '../stores/toast-store.ts';
import { connectionProblem, type ProposedConnection } from './connection-rules.ts';
import { nodeTypes, NODE_WIDTH } from './FlowNodeCard.tsx';
import { DRAG_MIME } from './Palette.tsx';
import { useDisplayEdges } from './use-display-edges.ts';
import { minimapColor } from './minimap.ts';
import { CanvasEmptyHint } from './CanvasEmptyHint.tsx';

function problemOf(c: ProposedConnection): string | null {
  const { nodes, edges } = useFlowStore.getState();
  return connectionProblem(c, nodes, edges, useCatalog.getState().byType);
}

/** The editable canvas: nodes and edges come from the flow store; run state from the live store. */
export function EditorCanvas({ onAddType }: { onAddType(type: string, position: { x: number; y: number }): void }) {
  const nodes = useFlowStore((s) => s.nodes);
  const edges = useFlowStore((s) => s.edges);
  const onNodesChange = useFlowStore((s) => s.onNodesChange);
  const onEdgesChange = useFlowStore((s) => s.onEdgesChange);
  const displayEdges = useDisplayEdges(edges);
  const { screenToFlowPosition } = useReactFlow();
  const lastRefusal = useRef(0);
  const box = useRef<HTMLDivElement>(null);
  const { onMoveStart, fitted } = useAutoFit(box);

  const isValidConnection: IsValidConnection = useCallback((c: Edge | Connection) => problemOf(c) === null, []);

  const onConnect = useCallback((c: Connection) => {
    const problem = problemOf(c);
    if (problem) {
      toast.error('Connection refused', problem);
      return;
    }
    useFlowStore.getState().connect(c);
  }, []);

  const onConnectEnd = useCallback((_e: MouseEvent | TouchEvent, state: FinalConnectionState) => {
    if (state.isValid !== false || !state.fromHandle || !state.fromNode) return;
    const to = state.toHandle;
    const from = state.fromHandle;
    const proposal: ProposedConnection =
      from.type === 'source'
        ? { source: state.fromNode.id, sourceHandle: from.id, target: to?.nodeId ?? state.toNode?.id ?? null, targetHandle: to?.id }
        : { source: to?.nodeId ?? state.toNode?.id ?? null, sourceHandle: to?.id, target: state.fromNode.id, targetHandle: from.id };
    const problem = problemOf(proposal);
    if (problem && Date.now() - lastRefusal.current > 300) {
      lastRefusal.current = Date.now();
      toast.error('Connection refused', problem);
    }
  }, []);

  const onDragOver = useCallback((e: React.DragEvent) => {
    if (!e.dataTransfer.types.includes(DRAG_MIME)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'move';
  }, []);

  const onDrop = useCallback(
    (e: React.DragEvent) => {
      const type = e.dataTransfer.getData(DRAG_MIME);
      if (!type) return;
      e.preventDefault();
      const p = screenToFlowPosition({ x: e.clientX, y: e.clientY });
      onAddType(type, { x: p.x - NODE_WIDTH / 2, y: p.y - 26 });
    },
    [screenToFlowPosition, onAddType],
  );

  return (
    <div ref={box} className="relative h-full w-full" onDragOver={onDragOver} onDrop={onDrop} data-testid="canvas" data-fitted={fitted || nodes.length === 0 ? 'true' : 'false'}>
      <ReactFlow<CanvasNode>
        nodes={nodes}
        edges={displayEdges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        onConnectEnd={onConnectEnd}
        onMoveStart={onMoveStart}
        isValidConnection={isValidConnection}
        deleteKeyCode={null}
        selectionKeyCode="Shift"
        multiSelectionKeyCode={['Meta', 'Control']}
        minZoom={0.2}
        maxZoom={2}
        defaultEdgeOptions={{ type: 'smoothstep', interactionWidth: 16 }}
        connectionRadius={28}
        proOptions={{ hideAttribution: true }}
      >
        <Background variant={BackgroundVariant.Dots} gap={18} size={1.2} color="#cbd5e1" />
        <MiniMap position="top-right" style={{ width: 168, height: 112 }} pannable zoomable nodeColor={minimapColor} nodeStrokeWidth={0} nodeBorderRadius={6} maskColor="rgb(241 245 249 / 0.7)" />
        <Controls showInteractive={false} />
      </ReactFlow>
      {nodes.length === 0 && <CanvasEmptyHint />}
    </div>
  );
}
