import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { NodeRegistry } from '../../nodes/registry.ts';
import { ConveyorError } from '../errors.ts';
import type { FlowDocument } from '../contract/flow/schema.ts';
import { validateFlow } from '../flow/validate.ts';
import type { TemplateNeed, TemplateInfo } from '../contract/wire/flows.ts';
export type { TemplateNeed, TemplateInfo };

/**
 * The demo's fixed addresses (`npm run demo`, demo/start.ts: site, SMTP sender accounts, IMAP
 * mailbox): a template allowing one of them needs the demo.
 */
export const DEMO_HOSTS = ['127.0.0.1:3100', '127.0.0.1:2525', '127.0.0.1:1143', '127.0.0.1:3200'];

export interface Template extends TemplateInfo {
  flow: FlowDocument;
}

const KIND_TITLE: Record<string, string> = { imap: 'a mailbox (IMAP)', smtp: 'a mail sending account (SMTP)', api_key: 'an API key', basic: 'a user name and password' };

/** What a flow needs, read from it: credential references, its trigger, the local hosts it allows. */
export function templateNeeds(flow: FlowDocument, registry: NodeRegistry): TemplateNeed[] {
  const needs: TemplateNeed[] = [];
  const trigger = flow.nodes.map((n) => registry.get(n.type)).find((d) => d?.trigger);
  if (trigger?.acceptsFile) needs.push({ kind: 'file', text: 'a spreadsheet (.xlsx, .ods or .csv) given when the run starts' });
  else if (trigger?.type === 'schedule.trigger') needs.push({ kind: 'schedule', text: 'its schedule switched on in the flow list (it runs by itself)' });
  else if (trigger?.type === 'webhook.trigger') needs.push({ kind: 'records', text: 'requests that another service sends to its hook address (shown in the Webhook trigger once saved)' });
  else if (trigger?.grouping) needs.push({ kind: 'records', text: 'the search terms, in groups, in its trigger' });
  else needs.push({ kind: 'records', text: 'records pasted in the run dialog (samples are in the trigger)' });

  const creds = new Map<string, { credentialKind: string; nodeTypes: Set<string> }>();
  for (const node of flow.nodes) {
    const def = registry.get(node.type);
    for (const req of def?.credentials ?? []) {
      const name = (node.params as Record<string, unknown> | undefined)?.[req.name];
      if (typeof name !== 'string' || !name) continue;
      const kind = Array.isArray(req.kind) ? req.kind[0]! : req.kind;
      const c = creds.get(name) ?? { credentialKind: kind, nodeTypes: new Set<string>() };
      c.nodeTypes.add(node.type);
      creds.set(name, c);
    }
  }
  for (const [name, c] of creds) {
    needs.push({ kind: 'credential', name, credentialKind: c.credentialKind, nodeTypes: [...c.nodeTypes], text: `the credential "${name}": ${KIND_TITLE[c.credentialKind] ?? c.credentialKind}` });
  }

  const hosts = flow.settings?.allowHosts ?? [];
  const demo = hosts.filter((h) => DEMO_HOSTS.includes(h));
  const other = hosts.filter((h) => !DEMO_HOSTS.includes(h));
  if (demo.length) needs.push({ kind: 'demo', hosts: demo, text: 'the demo running on this machine (npm run demo: site, mailbox, sender accounts, model server; it creates the credentials too)' });
  if (other.length) needs.push({ kind: 'hosts', hosts: other, text: `local addresses it is allowed to call: ${other.join(', ')}` });
  return needs;
}

/**
 * Reads the shipped flows (flows/*.json) once: each is validated as an import would be; a file that
 * does not validate is left out with a line on `log` (a broken example must not break the studio).
 */
export function loadTemplates(dir: string, registry: NodeRegistry, log: (line: string) => void = () => undefined): Template[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  } catch {
    return [];
  }
  const out: Template[] = [];
  for (const file of files) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
    } catch (err) {
      log(`Template ${file} left out: not JSON (${(err as Error).message}).`);
      continue;
    }
    const checked = validateFlow(raw, registry);
    if (!checked.ok) {
      log(`Template ${file} left out: ${checked.problems.map((p) => `${p.path} ${p.message}`).join('; ')}`);
      continue;
    }
    const flow = checked.flow;
    const triggerNode = flow.nodes.find((n) => registry.get(n.type)?.trigger);
    const triggerDef = triggerNode ? registry.get(triggerNode.type) : undefined;
    out.push({
      id: file.replace(/\.json$/, ''),
      name: flow.name,
      description: flow.description ?? '',
      nodeCount: flow.nodes.length,
      trigger: { type: triggerNode?.type ?? '', title: triggerDef?.title ?? '' },
      steps: [...new Set(flow.nodes.filter((n) => n !== triggerNode).map((n) => registry.get(n.type)?.title ?? n.type))],
      needs: templateNeeds(flow, registry),
      flow,
    });
  }
  return out;
}

export function findTemplate(templates: Template[], id: string): Template {
  const t = templates.find((x) => x.id === id);
  if (!t) {
    throw new ConveyorError('E_TEMPLATE_NOT_FOUND', `There is no template "${id}".`, 'GET /api/templates lists the templates this studio ships.', 404);
  }
  return t;
}

export function templateInfo(t: Template): TemplateInfo {
  const { flow: _flow, ...info } = t;
  return info;
}
