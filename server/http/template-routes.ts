import { Router } from 'express';
import type { FlowLibrary } from '../flow/flow-library.ts';
import type { NodeRegistry } from '../../nodes/registry.ts';
import type { Vault } from '../vault/vault.ts';
import { findTemplate, loadTemplates, templateInfo } from '../templates/templates.ts';

/**
 * Templates (docs/api.md, "Templates"): the flows shipped in flows/, read and validated once, when
 * the studio first lists or uses them. `GET /api/templates` lists them with what each needs (a
 * credential need says whether a credential of that name exists in the vault);
 * `POST /api/templates/:id/use` imports a copy as a new flow and answers it like an import.
 */
export function templateRoutes(dir: string, registry: NodeRegistry, flows: FlowLibrary, vault: Vault): Router {
  // Read and checked on the first request, not at start: checking a template's CSS selectors loads
  // cheerio, which a start-up does not need otherwise. A broken template is warned about then.
  let loaded: ReturnType<typeof loadTemplates> | null = null;
  const templates = () => (loaded ??= loadTemplates(dir, registry, (line) => console.warn(line)));
  const router = Router();

  router.get('/', (_req, res) => {
    const have = new Set(vault.list().map((c) => `${c.kind}:${c.name}`));
    res.json(
      templates().map((t) => {
        const info = templateInfo(t);
        return { ...info, needs: info.needs.map((n) => (n.kind === 'credential' ? { ...n, present: have.has(`${n.credentialKind}:${n.name}`) } : n)) };
      }),
    );
  });

  router.get('/:id', (req, res) => {
    res.json(findTemplate(templates(), req.params.id));
  });

  router.post('/:id/use', async (req, res) => {
    const t = findTemplate(templates(), req.params.id);
    res.status(201).json(await flows.import(structuredClone(t.flow), 'copy'));
  });

  return router;
}
