import { useCallback, useMemo, useRef, useState } from 'react';
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
  type Node,
} from '@xyflow/react';
import { useFlowStore, type CanvasNode, type NoteNode } from '../stores/flow-store.ts';
import { useCatalog } from '../stores/catalog-store.ts';
import { toast } from '../stores/toast-store.ts';
import { mainOutputs } from '../../server/contract/ports.ts';
import { connectionProblem, type ProposedConnection } from './connection-rules.ts';
import { FlowNodeCard, NODE_WIDTH } from './FlowNodeCard.tsx';
import { NoteCard } from './NoteCard.tsx';
import { NodePicker } from './NodePicker.tsx';
import { DRAG_MIME } from './Palette.tsx';
import { useDisplayEdges } from './use-display-edges.ts';
import { minimapColor } from './minimap.ts';
import { CanvasEmptyHint } from './CanvasEmptyHint.tsx';

const nodeTypes = { conveyor: FlowNodeCard, note: NoteCard };

function problemOf(c: ProposedConnection): string | null {
  const { nodes, edges } = useFlowStore.getState();
  return connectionProblem(c, nodes, edges, useCatalog.getState().byType);
}

/** The edge drawn under a screen point (within its 16 px wide grab area), if any. */
function edgeAt(x: number, y: number): string | null {
  for (const el of document.elementsFromPoint(x, y)) {
    const edge = el.closest('.react-flow__edge');
    if (edge) return edge.getAttribute('data-id');
  }
  return null;
}

/**
 * Can a node of `type` go into `edgeId`: it takes an input, has an output, and neither new
 * connection breaks a rule (a loop, a duplicate)?
 */
function insertable(type: string, edgeId: string): boolean {
  const info = useCatalog.getState().byType[type];
  const { edges } = useFlowStore.getState();
  const edge = edges.find((e) => e.id === edgeId);
  if (!info || !edge || info.trigger || info.inputs.length === 0) return false;
  return mainOutputs(info, info.defaults).length > 0;
}

/** The editable canvas: nodes, notes and edges come from the flow store; run state from the live store. */
export function EditorCanvas({ onAddType }: { onAddType(type: string, position: { x: number; y: number }): void }) {
  const flowNodes = useFlowStore((s) => s.nodes);
  const notes = useFlowStore((s) => s.notes);
  const edges = useFlowStore((s) => s.edges);
  const onNodesChange = useFlowStore((s) => s.onNodesChange);
  const onEdgesChange = useFlowStore((s) => s.onEdgesChange);
  const nodes = useMemo(() => [...notes, ...flowNodes] as Array<CanvasNode | NoteNode>, [notes, flowNodes]);
  const displayEdges = useDisplayEdges(edges);
  const { screenToFlowPosition } = useReactFlow();
  const lastRefusal = useRef(0);
  const box = useRef<HTMLDivElement>(null);
  const { onMoveStart, fitted } = useAutoFit(box);
  const [picker, setPicker] = useState<{ at: { x: number; y: number }; flow: { x: number; y: number }; from: { source: string; sourceHandle: string } } | null>(null);

  const isValidConnection: IsValidConnection = useCallback((c: Edge | Connection) => problemOf(c) === null, []);

  const onConnect = useCallback((c: Connection) => {
    const problem = problemOf(c);
    if (problem) {
      toast.error('Connection refused', problem);
      return;
    }
    useFlowStore.getState().connect(c);
  }, []);

  const onConnectEnd = useCallback(
    (e: MouseEvent | TouchEvent, state: FinalConnectionState) => {
      if (!state.fromHandle || !state.fromNode) return;
      const from = state.fromHandle;
      // From an output into empty canvas: offer the node picker there (adds and connects).
      if (from.type === 'source' && !state.toNode && !state.toHandle && box.current) {
        const point = 'changedTouches' in e ? e.changedTouches[0] : e;
        const r = box.current.getBoundingClientRect();
        const at = { x: Math.min(point.clientX - r.left, r.width - 300), y: Math.min(point.clientY - r.top, r.height - 340) };
        setPicker({ at: { x: Math.max(8, at.x), y: Math.max(8, at.y) }, flow: screenToFlowPosition({ x: point.clientX, y: point.clientY }), from: { source: state.fromNode.id, sourceHandle: from.id ?? 'out' } });
        return;
      }
      if (state.isValid !== false) return;
      const to = state.toHandle;
      const proposal: ProposedConnection =
        from.type === 'source'
          ? { source: state.fromNode.id, sourceHandle: from.id, target: to?.nodeId ?? state.toNode?.id ?? null, targetHandle: to?.id }
          : { source: to?.nodeId ?? state.toNode?.id ?? null, sourceHandle: to?.id, target: state.fromNode.id, targetHandle: from.id };
      const problem = problemOf(proposal);
      if (problem && Date.now() - lastRefusal.current > 300) {
        lastRefusal.current = Date.now();
        toast.error('Connection refused', problem);
      }
    },
    [screenToFlowPosition],
  );

  const pick = useCallback(
    (type: string) => {
      if (!picker) return;
      setPicker(null);
      useFlowStore.getState().addNode(type, { x: picker.flow.x + 8, y: picker.flow.y - 26 }, { from: picker.from });
    },
    [picker],
  );

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
      const position = { x: p.x - NODE_WIDTH / 2, y: p.y - 26 };
      // Dropped on a wire: the node goes in between (both connections rewired) when its ports allow.
      const edge = edgeAt(e.clientX, e.clientY);
      if (edge && insertable(type, edge)) {
        useFlowStore.getState().addNode(type, position, { intoEdge: edge });
        return;
      }
      onAddType(type, position);
    },
    [screenToFlowPosition, onAddType],
  );

  return (
    <div ref={box} className="relative h-full w-full" onDragOver={onDragOver} onDrop={onDrop} data-testid="canvas" data-fitted={fitted || nodes.length === 0 ? 'true' : 'false'}>
      <ReactFlow<Node>
        nodes={nodes}
        edges={displayEdges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange as never}
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
        colorMode="system"
        defaultEdgeOptions={{ type: 'smoothstep', interactionWidth: 16 }}
        connectionRadius={28}
        proOptions={{ hideAttribution: true }}
      >
        <Background variant={BackgroundVariant.Dots} gap={18} size={1.2} className="cv-dots" />
        <MiniMap position="top-right" style={{ width: 168, height: 112 }} pannable zoomable nodeColor={minimapColor} nodeStrokeWidth={0} nodeBorderRadius={6} />
        <Controls showInteractive={false} />
      </ReactFlow>
      {flowNodes.length === 0 && <CanvasEmptyHint />}
      {picker && <NodePicker at={picker.at} onPick={pick} onClose={() => setPicker(null)} />}
    </div>
  );
}
