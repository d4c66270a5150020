import { useEffect } from 'react';
import { runsApi } from '../api/endpoints.ts';
import { getSocket } from '../api/socket.ts';
import type { RecordSummary, RunUpdate } from '../api/types.ts';
import { fetchLogTail } from './log-backfill.ts';
import { useLiveRun } from '../stores/live-run-store.ts';
import { isRunActive } from '../lib/run-status.ts';
import { useReviewCount } from '../review/review-count-store.ts';

const MAX_BACKFILL_RECORDS = 20_000;

async function fetchRecordStatuses(runId: string, cancelled: () => boolean): Promise<RecordSummary[] | null> {
  const out: RecordSummary[] = [];
  for (let offset = 0; offset < MAX_BACKFILL_RECORDS; ) {
    const page = await runsApi.records(runId, { offset, limit: 1000 });
    if (cancelled()) return null;
    out.push(...page.items);
    offset += page.items.length;
    if (!page.items.length || offset >= page.total) break;
  }
  return out;
}

/**
 * Feeds the live-run store for one run: joins its Socket.IO room (`run:update`, coalesced, the
 * last one `final`), fetches the earlier log lines and record statuses with REST, and polls the
 * summary while the socket is down. The run must have been `attach`ed to the store first.
 */
export function useRunConnection(runId: string | null) {
  useEffect(() => {
    if (!runId) return;
    let stopped = false;
    const cancelled = () => stopped;
    const socket = getSocket();
    // The log is read once the room is joined (the server answers a join with an update): lines
    // written before are in the read (the server flushes its buffer first), later ones arrive live.
    let markJoined!: () => void;
    const joined = new Promise<void>((resolve) => (markJoined = resolve));
    const onUpdate = (u: RunUpdate) => {
      if (u.runId === runId) markJoined();
      useLiveRun.getState().applyUpdate(u);
    };
    const join = () => socket.emit('run:join', runId);
    socket.on('run:update', onUpdate);
    socket.on('connect', join);
    if (socket.connected) join();
    // Without a live connection the log is still read (a little later).
    const joinTimeout = setTimeout(markJoined, 3000);

    joined
      .then(() => (cancelled() ? null : fetchLogTail((offset, limit) => runsApi.logs(runId, offset, limit), cancelled)))
      .then((tail) => {
        if (tail && useLiveRun.getState().runId === runId) useLiveRun.getState().mergeBackfill(tail.lines, tail.omitted);
      })
      .catch(() => undefined);
    // Record statuses too are read once joined: a record that changed before the join (its live
    // update went to nobody) is in the read.
    joined
      .then(() => (cancelled() ? null : fetchRecordStatuses(runId, cancelled)))
      .then((list) => {
        if (list && useLiveRun.getState().runId === runId) useLiveRun.getState().mergeRecordStatuses(list);
      })
      .catch(() => undefined);

    // When the run stops moving (completed, paused, stopped…), the stored statuses are read once
    // more and win: whatever a live update missed, no record is left showing "Running".
    let wasMoving = isRunActive(useLiveRun.getState().status);
    const settle = () => {
      // The records it sent to review (or failed) are in the queue now: the nav badge says so at
      // once, not at its next 30-second read.
      void useReviewCount.getState().refresh();
      fetchRecordStatuses(runId, cancelled)
        .then((list) => {
          const now = useLiveRun.getState();
          if (list && now.runId === runId && !isRunActive(now.status)) now.mergeRecordStatuses(list, true);
        })
        .catch(() => undefined);
    };
    const unsubscribe = useLiveRun.subscribe((state) => {
      if (state.runId !== runId) return;
      const moving = isRunActive(state.status);
      if (wasMoving && !moving) settle();
      wasMoving = moving;
    });

    const poll = setInterval(async () => {
      if (socket.connected) return;
      const s = useLiveRun.getState();
      if (s.runId !== runId || s.final) return;
      try {
        const summary = await runsApi.get(runId);
        if (!stopped) useLiveRun.getState().applySummary(summary);
      } catch {
        /* the next tick tries again */
      }
    }, 2000);

    return () => {
      stopped = true;
      unsubscribe();
      clearTimeout(joinTimeout);
      clearInterval(poll);
      socket.off('run:update', onUpdate);
      socket.off('connect', join);
      if (socket.connected) socket.emit('run:leave', runId);
    };
  }, [runId]);
}
