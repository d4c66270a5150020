import type { Node } from '@xyflow/react';
import { useCatalog } from '../stores/catalog-store.ts';
import { useLiveRun } from '../stores/live-run-store.ts';

const COLORS: Record<string, string> = { Triggers: '#10b981', Data: '#0ea5e9', Flow: '#8b5cf6', Network: '#f59e0b', Output: '#64748b' };

export function minimapColor(node: Node): string {
  if ((useLiveRun.getState().nodes[node.id]?.inProgress ?? 0) > 0) return '#6366f1';
  const type = (node.data as { type?: string }).type ?? '';
  return COLORS[String(useCatalog.getState().byType[type]?.category)] ?? '#94a3b8';
}
