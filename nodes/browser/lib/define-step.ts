import type { z } from 'zod';
import type { Page } from 'playwright-core';
import { defineNode, type StepSpec } from '../../sdk/define-node.ts';
import type { NodeContext, NodeDefinition, StepResult } from '../../sdk/types.ts';
import { browserStep, type PageOptions } from './session.ts';

/**
 * What a browser step declares: a step of the Network category that works on the record's page —
 * `opens` it (the first browser step of a path) or `uses` the one an earlier step opened (default).
 */
export type BrowserStepSpec<S extends z.ZodType> = Omit<StepSpec<S>, 'category' | 'session' | 'run'> & {
  session?: 'opens' | 'uses';
  /** How the page is opened (`opens` only): media skipped, a window reused. */
  pageOptions?(params: z.infer<S>): PageOptions;
  /** The step's work on the page; cancelling, crashes and closing the page are the skeleton's. */
  act(ctx: NodeContext<z.infer<S>>, page: Page, params: z.infer<S>): Promise<StepResult>;
};

/** Declares a browser step: the page handling every browser step shares, around its own `act`. */
export function defineBrowserStep<S extends z.ZodType>(spec: BrowserStepSpec<S>): NodeDefinition<S> {
  const { act, pageOptions, session = 'uses', ...rest } = spec;
  return defineNode<S>({
    ...rest,
    category: 'Network',
    session,
    run: (ctx) => browserStep(ctx, session === 'opens' ? 'open' : 'existing', (page) => act(ctx, page, ctx.params), pageOptions?.(ctx.params)),
  });
}
