/**
 * Migration 4: several studios on one database.
 * - `schedule_ticks`: one row per (flow, tick) a studio fired. The scheduler inserts it with
 *   ON CONFLICT DO NOTHING before it starts the tick's run, so a tick two studios both see is run
 *   by the one whose insert lands (server/scheduler/tick-claims.ts). Old rows are pruned.
 * - `vault`: the credentials (server/vault/pg-vault.ts), one row holding the vault document exactly
 *   as vault.json does — every secret an AES-256-GCM box under the key given by configuration
 *   (CONVEYOR_SECRET_KEY), never the key itself; `key_id` is the key's fingerprint, so a process
 *   with another key is refused (E_VAULT_KEY_WRONG). `version` grows with every change.
 */
export const name = 'studios';

export const sql = `
CREATE TABLE schedule_ticks (
  flow_id       text COLLATE "C" NOT NULL,
  scheduled_for text COLLATE "C" NOT NULL,
  studio        text NOT NULL,
  claimed_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (flow_id, scheduled_for)
);
CREATE INDEX schedule_ticks_claimed_at ON schedule_ticks (claimed_at);

CREATE TABLE vault (
  id      smallint PRIMARY KEY CHECK (id = 1),
  key_id  text,
  doc     text NOT NULL,
  version bigint NOT NULL
);
`;
