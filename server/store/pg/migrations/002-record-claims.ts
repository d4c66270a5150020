/**
 * Migration 2: record claims, the work queue of `npx conveyor worker` (server/worker). The queue is
 * the records themselves: a record of a running run that is pending or running and holds no live
 * claim is work to take. A worker claims records (FOR UPDATE SKIP LOCKED) for a lease it renews.
 *
 * The fence lives here, in the same transaction as every record write: a connection that names a
 * worker (the `conveyor.worker` setting, set by the worker's connection URL) may only write a
 * record it holds the claim of — a worker whose lease ran out and whose record another worker took
 * has its late commit refused (E_CLAIM_LOST), so a step is never committed twice. The same write
 * renews the lease, and the record's terminal commit drops the claim: committing a step and
 * scheduling the record's next work are one transaction. Writers that name no worker (the studio,
 * the CLI) are not fenced.
 */
export const name = 'record-claims';

export const sql = `
CREATE TABLE record_claims (
  run_id      text COLLATE "C" NOT NULL,
  idx         integer NOT NULL,
  worker      text COLLATE "C" NOT NULL,
  lease_ms    integer NOT NULL,
  lease_until timestamptz NOT NULL,
  PRIMARY KEY (run_id, idx),
  FOREIGN KEY (run_id, idx) REFERENCES records (run_id, idx) ON DELETE CASCADE
);
CREATE INDEX record_claims_by_worker ON record_claims (worker);

CREATE FUNCTION conveyor_fence_record() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  me text := nullif(current_setting('conveyor.worker', true), '');
  owner text;
  lease integer;
BEGIN
  IF me IS NULL THEN
    RETURN NEW;
  END IF;
  SELECT worker, lease_ms INTO owner, lease FROM record_claims WHERE run_id = NEW.run_id AND idx = NEW.idx FOR UPDATE;
  IF owner IS DISTINCT FROM me THEN
    RAISE EXCEPTION 'E_CLAIM_LOST: record % of run % is no longer claimed by this worker', NEW.idx, NEW.run_id USING ERRCODE = 'CV001';
  END IF;
  IF NEW.status IN ('pending', 'running') THEN
    UPDATE record_claims SET lease_until = clock_timestamp() + make_interval(secs => lease / 1000.0) WHERE run_id = NEW.run_id AND idx = NEW.idx;
  ELSE
    DELETE FROM record_claims WHERE run_id = NEW.run_id AND idx = NEW.idx;
  END IF;
  RETURN NEW;
END
$fn$;

CREATE TRIGGER records_fence BEFORE UPDATE ON records FOR EACH ROW EXECUTE FUNCTION conveyor_fence_record();
`;
