import { useCallback } from 'react';
import { create } from 'zustand';
import { useFlowStore } from '../stores/flow-store.ts';
import { nodeTypeInfo, useCatalog } from '../stores/catalog-store.ts';
import { SchemaForm } from '../forms/SchemaForm.tsx';
import { TextInput } from '../components/TextInput.tsx';
import { Button } from '../components/Button.tsx';
import { TrashIcon } from '../components/icons.tsx';
import { Badge } from '../components/Badge.tsx';
import { categoryStyle } from '../canvas/categories.ts';
import { NodeGlyph } from '../canvas/NodeGlyph.tsx';
import { mainOutputs } from '../../server/contract/ports.ts';
import { cn } from '../lib/cn.ts';
import { Section } from './Section.tsx';
import { SchedulePreview } from './SchedulePreview.tsx';
import { HookAddress } from './HookAddress.tsx';
import { cleanPolicy, policyJsonSchema, policySize } from './policy.ts';
import { ExpressionSampleContext } from '../forms/expression-sample.ts';
import { useSampleRecord } from './use-sample-record.ts';
import { NodeDataPanel } from '../data/NodeDataPanel.tsx';
import { NameTooLong } from './name-length.tsx';

function changedKey(nodeId: string, before: Record<string, unknown>, after: Record<string, unknown>, prefix = 'params'): string | null {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  const changed = [...keys].filter((k) => before[k] !== after[k]);
  for (const k of changed) {
    const a = before[k];
    const b = after[k];
    if (Array.isArray(a) || Array.isArray(b)) {
      if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return null; // rows added/removed: own undo step
    }
  }
  return `${prefix}:${nodeId}:${changed.sort().join(',')}`;
}

/** The inspector of one node; its expression fields preview their result on a sample record. */
export function NodeInspector({ nodeId }: { nodeId: string }) {
  const sample = useSampleRecord(nodeId);
  return (
    <ExpressionSampleContext.Provider value={sample}>
      <NodeInspectorBody nodeId={nodeId} />
    </ExpressionSampleContext.Provider>
  );
}

function NodeInspectorBody({ nodeId }: { nodeId: string }) {
  const node = useFlowStore((s) => s.nodes.find((n) => n.id === nodeId));
  const info = useCatalog((s) => (node ? s.byType[node.data.type] : undefined));
  const updateNode = useFlowStore((s) => s.updateNode);

  const onNewItem = useCallback(
    (path: string, item: unknown, index: number, list: unknown[]) => {
      const dyn = info?.dynamicOutputs;
      if (!dyn || path !== dyn.param || !item || typeof item !== 'object') return item;
      const taken = new Set(list.map((x) => (x && typeof x === 'object' ? (x as Record<string, unknown>)[dyn.idField] : undefined)));
      // Named after the list: a new switch rule is rule3 "Rule 3", a new distribute target target3 "Target 3".
      const stem = dyn.param.replace(/s$/, '') || 'port';
      let n = index + 1;
      while (taken.has(`${stem}${n}`)) n++;
      const out = { ...(item as Record<string, unknown>) };
      if (!out[dyn.idField]) out[dyn.idField] = `${stem}${n}`;
      if (dyn.labelField && !out[dyn.labelField]) out[dyn.labelField] = `${stem[0].toUpperCase()}${stem.slice(1)} ${n}`;
      return out;
    },
    [info],
  );

  // Another step shown under the same name (the log, the review queue and the report would not tell them apart).
  const sameName = useFlowStore((s) => {
    const self = s.nodes.find((n) => n.id === nodeId);
    const title = (n: typeof self) => (n ? (n.data.name || nodeTypeInfo(n.data.type)?.title || '').trim().toLowerCase() : '');
    const mine = title(self);
    return !!mine && s.nodes.some((n) => n.id !== nodeId && title(n) === mine);
  });
  const tab = useInspectorTab((s) => s.tab);
  if (!node) return null;
  const cat = categoryStyle(info?.category);
  const outputs = mainOutputs(info, node.data.params);

  return (
    <div data-testid="node-inspector" data-node-id={nodeId}>
      <div className="border-b border-slate-100 px-4 py-4">
        <div className="flex items-start gap-3">
          <div className={cn('flex size-10 shrink-0 items-center justify-center rounded-xl text-base font-semibold ring-1', cat.icon)}><NodeGlyph type={node.data.type} info={info} /></div>
          <div className="min-w-0 flex-1">
            <h2 className="truncate font-semibold text-slate-900" data-testid="inspector-node-title">{node.data.name || info?.title || node.data.type}</h2>
            <p className="truncate text-[11px] text-slate-400">{info ? (node.data.name && node.data.name !== info.title ? info.title : info.category) : 'Unknown node type'}</p>
          </div>
        </div>
        {info?.description && <p className="mt-3 text-sm leading-snug text-slate-600">{info.description}</p>}
        {!info && (
          <p className="mt-3 rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-700 ring-1 ring-rose-200">
            This Conveyor has no node type “{node.data.type}”. Remove the node or install the connector that provides it.
          </p>
        )}
        {info && info.effect !== 'none' && (
          <div className="mt-2">
            <Badge tone={info.effect === 'unsafe' ? 'amber' : 'blue'}>{info.effect === 'unsafe' ? 'Side effects: not safe to repeat' : 'Side effects: safe to repeat'}</Badge>
          </div>
        )}
      </div>

      <InspectorTabs />
      {tab === 'data' ? (
        <NodeDataPanel nodeId={nodeId} />
      ) : (
      <>
      <Section title="General">
        <label className="block space-y-1.5">
          <span className="text-[13px] font-medium text-slate-700">Name</span>
          <TextInput
            value={node.data.name ?? ''}
            placeholder={info?.title ?? 'Name'}
            onChange={(e) => updateNode(nodeId, { name: e.target.value || undefined }, `name:${nodeId}`)}
            data-testid="field-node-name"
          />
          <NameTooLong name={node.data.name ?? ''} testId="node-name-too-long" />
          {sameName ? (
            <span className="block text-xs text-amber-700" data-testid="node-name-taken">
              Another step has this name: the run log, the review queue and the report could not tell them apart. Give this one a name of its own.
            </span>
          ) : (
            <span className="block text-xs text-slate-500">Shown on the canvas and in the run log.</span>
          )}
        </label>
      </Section>

      <Section title="Settings">
        {info ? (
          Object.keys((info.paramsSchema as { properties?: object }).properties ?? {}).length ? (
            <SchemaForm
              key={nodeId}
              schema={info.paramsSchema}
              value={node.data.params}
              onNewItem={onNewItem}
              onChange={(next) => updateNode(nodeId, { params: next }, changedKey(nodeId, node.data.params, next) ?? undefined)}
            />
          ) : (
            <p className="text-sm text-slate-500">This node has nothing to configure.</p>
          )
        ) : (
          <pre className="overflow-x-auto rounded-md bg-slate-50 p-2 font-mono text-xs text-slate-600">{JSON.stringify(node.data.params, null, 2)}</pre>
        )}
      </Section>

      {node.data.type === 'schedule.trigger' && <SchedulePreview params={node.data.params} />}
      {node.data.type === 'webhook.trigger' && <HookAddress params={node.data.params} />}
      {info && !info.trigger && <StepPolicySection nodeId={nodeId} />}

      <Section title="Advanced" collapsible defaultOpen={false} testId="node-advanced">
        <dl className="mb-3 space-y-1 text-xs">
          <div className="flex justify-between gap-3">
            <dt className="text-slate-500">Type key</dt>
            <dd className="truncate font-mono text-slate-700" data-testid="inspector-node-type">{node.data.type}</dd>
          </div>
          <div className="flex justify-between gap-3">
            <dt className="text-slate-500">Node id</dt>
            <dd className="truncate font-mono text-slate-700" data-testid="inspector-node-id">{node.id}</dd>
          </div>
        </dl>
        <p className="mb-3 text-xs leading-snug text-slate-500">The id names this node in the flow file, the run log and the API; it never changes when the node is renamed.</p>
      {info && (
          <ul className="space-y-1 text-xs" data-testid="node-ports">
            {info.inputs.map((p) => (
              <li key={`in-${p.id}`} className="flex justify-between">
                <span className="text-slate-500">Input</span>
                <span className="font-mono text-slate-700">{p.label}</span>
              </li>
            ))}
            {outputs.map((p) => (
              <li key={`out-${p.id}`} className="flex justify-between">
                <span className="text-slate-500">Output</span>
                <span className="font-mono text-slate-700">{p.label}</span>
              </li>
            ))}
            <li className="flex justify-between">
              <span className="text-rose-500">Error</span>
              <span className="font-mono text-rose-600">{info.errorPort.label}</span>
            </li>
          </ul>
      )}
      </Section>

      <div className="px-4 py-4">
        <Button
          size="sm"
          variant="ghost"
          icon={<TrashIcon size={14} />}
          className="w-full text-rose-600 hover:!bg-rose-50 hover:!text-rose-700"
          onClick={() => {
            useFlowStore.getState().select([nodeId]);
            useFlowStore.getState().deleteSelection();
          }}
          data-testid="btn-delete-node"
        >
          Delete node
        </Button>
      </div>
      </>
      )}
    </div>
  );
}

type InspectorTab = 'settings' | 'data';

/** The tab shown stays chosen from one node to the next (reading data node after node). */
const useInspectorTab = create<{ tab: InspectorTab; setTab(tab: InspectorTab): void }>((set) => ({ tab: 'settings', setTab: (tab) => set({ tab }) }));

function InspectorTabs() {
  const { tab, setTab } = useInspectorTab();
  const item = (id: InspectorTab, label: string) => (
    <button
      type="button"
      role="tab"
      aria-selected={tab === id}
      onClick={() => setTab(id)}
      className={cn('-mb-px border-b-2 px-3 py-2 text-sm font-medium', tab === id ? 'border-indigo-500 text-indigo-700' : 'border-transparent text-slate-500 hover:text-slate-800')}
      data-testid={`inspector-tab-${id}`}
    >
      {label}
    </button>
  );
  return (
    <div role="tablist" className="flex gap-1 border-b border-slate-200 px-2">
      {item('settings', 'Settings')}
      {item('data', 'Data')}
    </div>
  );
}

/**
 * How the engine treats this step: required inputs, pre/post checks, timeout, retries and error
 * rules. Stored as the node's `policy`; fields left empty are left out of the document.
 */
function StepPolicySection({ nodeId }: { nodeId: string }) {
  const policy = useFlowStore((s) => s.nodes.find((n) => n.id === nodeId)?.data.policy);
  const updateNode = useFlowStore((s) => s.updateNode);
  const size = policySize(policy);
  const value = (policy ?? {}) as Record<string, unknown>;
  return (
    <Section
      title="Step policy"
      collapsible
      defaultOpen={size > 0}
      testId="step-policy"
      aside={
        size > 0 ? (
          <span className="rounded-full bg-indigo-50 px-1.5 py-px text-[10px] font-semibold text-indigo-600 ring-1 ring-indigo-100" data-testid="step-policy-count">
            {size} set
          </span>
        ) : (
          <span className="text-[10px] font-normal text-slate-400">defaults</span>
        )
      }
    >
      <p className="mb-3 text-xs leading-snug text-slate-500">Checks, timeout, retries and error handling for this step. Leave a field empty to keep the default.</p>
      <SchemaForm
        schema={policyJsonSchema}
        value={value}
        idPrefix="policy"
        testId="policy-form"
        toggleOptionalObjects
        onChange={(next) => updateNode(nodeId, { policy: cleanPolicy(next) }, changedKey(nodeId, value, next, 'policy') ?? undefined)}
      />
    </Section>
  );
}
