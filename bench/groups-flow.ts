// The flow of the group-transition benchmarks (bench/group-transition.ts, bench/workers.ts): a Groups
// of search terms trigger with G groups of T terms, each term fanning out into 5 results through a split.
import { FLOW_FORMAT, type FlowDocument } from '../server/contract/flow/schema.ts';

export function groupsFlow(groupCount: number, termsPerGroup: number): FlowDocument {
  const node = (id: string, type: string, x: number, params: Record<string, unknown>) => ({ id, type, position: { x, y: 0 }, params });
  return {
    format: FLOW_FORMAT,
    id: 'bench_groups',
    name: 'Bench group transitions',
    description: '',
    settings: { concurrency: 1 },
    nodes: [
      node('terms', 'terms.groups', 0, {
        groups: Array.from({ length: groupCount }, (_, g) => ({ name: `Group ${g + 1}`, terms: Array.from({ length: termsPerGroup }, (_, t) => `term ${g + 1}.${t + 1}`) })),
      }),
      node('search', 'core.set-fields', 200, { fields: [{ name: 'results', value: '[1, 2, 3, 4, 5].({ "n": $, "email": "lead" & $ & "@example.test" })' }], keepOtherFields: true }),
      node('each', 'core.split', 400, { field: 'results', as: 'lead', keepParentFields: true }),
      node('done', 'core.end', 600, { status: 'success' }),
    ],
    edges: [
      { id: 'e1', source: 'terms', sourcePort: 'out', target: 'search', targetPort: 'in' },
      { id: 'e2', source: 'search', sourcePort: 'out', target: 'each', targetPort: 'in' },
      { id: 'e3', source: 'each', sourcePort: 'out', target: 'done', targetPort: 'in' },
    ],
  };
}
