import { memo, useEffect, useMemo } from 'react';
import { Handle, Position, useUpdateNodeInternals, type NodeProps } from '@xyflow/react';
import type { CanvasNode } from '../stores/flow-doc.ts';
import type { NodeTypeInfo } from '../api/types.ts';
import { useCatalog } from '../stores/catalog-store.ts';
import { useLiveRun } from '../stores/live-run-store.ts';
import { mainOutputs } from '../../server/contract/ports.ts';
import { cn } from '../lib/cn.ts';
import { categoryStyle } from './categories.ts';
import { NodeGlyph } from './NodeGlyph.tsx';
import { NodeCounters } from './NodeCounters.tsx';
import { endedAs } from '../../server/contract/end-step.ts';

export const NODE_WIDTH = 232;

/**
 * A node on the canvas: icon, name and type; inputs on the left, one output handle per port on the
 * right (labelled when there are several), the error port as a small red handle at the bottom, and
 * the live counters. It reads the run state of its own node id only.
 */
function FlowNodeCardImpl({ id, data, selected }: NodeProps<CanvasNode>) {
  const info = useCatalog((s) => s.byType[data.type]);
  const inProgress = useLiveRun((s) => s.nodes[id]?.inProgress ?? 0);
  const active = inProgress > 0;
  const outputs = useMemo(() => mainOutputs(info, data.params), [info, data.params]);
  const inputs = info ? info.inputs : [{ id: 'in', label: 'in' }];
  const multi = outputs.length > 1;
  const portsKey = outputs.map((p) => p.id).join('|') + '#' + inputs.map((p) => p.id).join('|');
  const updateInternals = useUpdateNodeInternals();
  useEffect(() => updateInternals(id), [portsKey, id, updateInternals]);

  const cat = categoryStyle(info?.category);
  const title = data.name || info?.title || data.type;
  const unknown = !info && useCatalog.getState().status === 'ready';

  return (
    <div
      data-testid={`node-${id}`}
      data-node-type={data.type}
      data-active={active ? 'true' : 'false'}
      data-disabled={data.disabled ? 'true' : 'false'}
      title={data.disabled ? 'Disabled: records pass through this step unchanged' : undefined}
      className={cn(
        'group relative rounded-xl bg-white shadow-sm ring-1 transition-shadow dark:bg-slate-800',
        selected ? 'ring-2 ring-indigo-500 shadow-md' : 'ring-slate-200 hover:ring-slate-300 hover:shadow dark:ring-slate-700 dark:hover:ring-slate-500',
        data.disabled && 'border border-dashed border-slate-400',
        active && 'node-active ring-indigo-400',
        unknown && 'ring-rose-300',
      )}
      style={{ width: NODE_WIDTH }}
    >
      <div className={cn('absolute inset-y-2 left-0 w-[3px] rounded-r-full', cat.accent)} />
      <div className="relative flex items-center gap-2.5 px-3 py-2.5">
        {inputs.map((p) => (
          <Handle key={p.id} id={p.id} type="target" position={Position.Left} className="cv-handle" title={`Input: ${p.label}`} data-testid={`handle-${id}-in-${p.id}`} />
        ))}
        <div className={cn('flex size-8 shrink-0 items-center justify-center rounded-lg text-sm font-semibold ring-1', cat.icon)}><NodeGlyph type={data.type} info={info} /></div>
        <div className="min-w-0 flex-1">
          <div className={cn('truncate text-[13px] leading-tight font-semibold text-slate-900 dark:text-slate-100', data.disabled && 'line-through')} data-testid="node-title">
            {title}
          </div>
          <div className="mt-0.5 truncate text-[10.5px] leading-tight text-slate-400 dark:text-slate-400" data-testid="node-subtitle">{nodeSubtitle(data.name, info)}</div>
        </div>
        {active && (
          <span className="flex size-2 shrink-0" title={`${inProgress} in progress`}>
            <span className="absolute inline-flex size-2 animate-ping rounded-full bg-indigo-400 opacity-75" />
            <span className="relative inline-flex size-2 rounded-full bg-indigo-500" />
          </span>
        )}
        {!multi &&
          outputs.map((p) => (
            <Handle key={p.id} id={p.id} type="source" position={Position.Right} className="cv-handle" title={`Output: ${p.label}`} data-testid={`handle-${id}-out-${p.id}`} />
          ))}
      </div>
      {multi && (
        <div className="border-t border-slate-100 py-1 dark:border-slate-700">
          {outputs.map((p) => (
            <div key={p.id} className="relative flex h-6 items-center justify-end pr-3.5 pl-3">
              <span className={cn('truncate text-[11px] font-medium', portTone(p.id))} data-testid={`port-label-${id}-${p.id}`}>
                {p.label}
              </span>
              <Handle id={p.id} type="source" position={Position.Right} className="cv-handle" title={`Output: ${p.label}`} data-testid={`handle-${id}-out-${p.id}`} />
            </div>
          ))}
        </div>
      )}
      <NodeCounters nodeId={id} endsAs={endedAs(data)} />
      <Handle
        id={info?.errorPort.id ?? 'error'}
        type="source"
        position={Position.Bottom}
        className="cv-handle cv-handle-error"
        title="On error: connect to handle failures of this node"
        data-testid={`handle-${id}-out-error`}
      />
    </div>
  );
}

/** Under the title: the type's title when the node has its own name, else its palette group (never the type key). */
function nodeSubtitle(name: string | undefined, info: NodeTypeInfo | undefined): string {
  if (!info) return 'Unknown node type';
  return name && name !== info.title ? info.title : info.category;
}

function portTone(id: string): string {
  if (id === 'true') return 'text-emerald-700';
  if (id === 'false') return 'text-rose-600';
  if (id === 'default') return 'text-slate-500';
  return 'text-slate-600';
}

export const FlowNodeCard = memo(FlowNodeCardImpl);
export const nodeTypes = { conveyor: FlowNodeCard };
