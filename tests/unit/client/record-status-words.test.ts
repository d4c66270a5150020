import { createElement as h } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { RECORD_STATUSES, reviewActionsFor, reviewStatusOf, statusLabel } from '../../../client/lib/run-status.ts';
import { NO_FILTERS, ReviewFilters } from '../../../client/review/ReviewFilters.tsx';
import { PRUNE_STATUSES } from '../../../client/pages/StoragePage.tsx';

/** The studio's record words come from the contract's state machine (server/contract/status.ts). */
describe('record statuses in the studio', () => {
  it('a record offers Retry, Skip and Resolve while it waits in the review queue (needs review, failed), and nothing in any other status', () => {
    const offered = Object.fromEntries(RECORD_STATUSES.map((s) => [s, reviewActionsFor(s)]));
    expect(offered).toEqual({
      pending: [],
      running: [],
      success: [],
      failed: ['retry', 'skip', 'resolve'],
      needs_review: ['retry', 'skip', 'resolve'],
      skipped: [],
    });
  });

  it("the run view's status filter lists every record status, in the contract's order", () => {
    expect(RECORD_STATUSES.map(statusLabel)).toEqual(['Pending', 'Running', 'Success', 'Failed', 'Needs review', 'Skipped']);
  });

  it('the review queue filters by the statuses it holds; any other status in the address means both', () => {
    expect(['needs_review', 'failed', 'success', 'skipped', '', null].map(reviewStatusOf)).toEqual(['needs_review', 'failed', '', '', '', '']);
    const html = renderToStaticMarkup(h(ReviewFilters, { value: NO_FILTERS, flows: [], stepNames: {}, onChange: () => undefined }));
    const select = html.slice(html.indexOf('data-testid="filter-status"'));
    const options = [...select.matchAll(/<option value="([^"]*)"[^>]*>([^<]*)<\/option>/g)].map((m) => `${m[1]}=${m[2]}`);
    expect(options).toEqual(['=Needs review or failed', 'needs_review=Needs review', 'failed=Failed']);
  });

  it("the storage page's prune choice 'Any that is not executing' sends every run status at rest", () => {
    expect([...(PRUNE_STATUSES.any ?? [])].sort()).toEqual(['completed', 'failed', 'interrupted', 'paused', 'safe_stopped', 'stopped']);
  });
});
