/**
 * Where the vault lives on the PostgreSQL store: the table `vault` (migration 4), one row holding the
 * vault document exactly as vault.json would — names, fields, scopes, and every credential's secrets
 * as an AES-256-GCM box — so every studio and worker on the database reads the same credentials.
 * The key never reaches the database: each process is given it by configuration
 * (CONVEYOR_SECRET_KEY), and the row keeps only its fingerprint (`key_id`).
 *
 * A change locks the row, runs on what the row holds then (not on a process's copy), writes it back
 * with `version + 1` and NOTIFYs `conveyor_vault` in the same transaction; every process LISTENs and
 * reads the row again, so a credential saved on one studio is used by a worker at its next step.
 */
import type pg from 'pg';
import { createPool, describeUrl, isUnreachable, unreachableError } from '../store/pg/connection.ts';
import { migrate } from '../store/pg/migrate.ts';
import { listen, type PgListener } from '../store/pg/listen.ts';

export const VAULT_CHANNEL = 'conveyor_vault';

export interface VaultWrite<T> {
  text: string;
  keyId: string | null;
  result: T;
}

export class PgVaultRow {
  private listener: PgListener | null = null;

  private constructor(
    private readonly pool: pg.Pool,
    readonly where: string,
  ) {}

  /** Opens the row's database (its migrations run first: a worker may open the vault before the store). */
  static async open(url: string, onChange: () => void): Promise<PgVaultRow> {
    const pool = createPool(url, 2);
    const where = describeUrl(url);
    try {
      const client = await pool.connect();
      try {
        await migrate(client, where);
      } finally {
        client.release();
      }
      const row = new PgVaultRow(pool, where);
      row.listener = await listen(url, { [VAULT_CHANNEL]: () => onChange() }, { onReconnect: onChange });
      return row;
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw isUnreachable(err) ? unreachableError(where, err) : err;
    }
  }

  /** The vault document, or null when no credential was ever saved on this database. */
  async read(): Promise<string | null> {
    const { rows } = await this.pool.query<{ doc: string }>('SELECT doc FROM vault WHERE id = 1');
    return rows[0]?.doc ?? null;
  }

  /** Writes `text` as the first vault document of the database; false when there is one already. */
  async create(text: string, keyId: string | null): Promise<boolean> {
    const { rowCount } = await this.pool.query('INSERT INTO vault (id, key_id, doc, version) VALUES (1, $1, $2, 1) ON CONFLICT (id) DO NOTHING', [keyId, text]);
    if (rowCount) await this.pool.query('SELECT pg_notify($1, $2)', [VAULT_CHANNEL, '1']);
    return rowCount === 1;
  }

  /** Runs `change` on the document under the row's lock and writes what it returns, in one transaction. */
  async transact<T>(change: (text: string | null) => Promise<VaultWrite<T>>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      // The row exists before it is locked, so two first credentials saved at once wait for each other.
      await client.query(`INSERT INTO vault (id, key_id, doc, version) VALUES (1, NULL, '', 0) ON CONFLICT (id) DO NOTHING`);
      const { rows } = await client.query<{ doc: string; version: number }>('SELECT doc, version FROM vault WHERE id = 1 FOR UPDATE');
      const w = await change(rows[0].doc === '' ? null : rows[0].doc);
      await client.query('UPDATE vault SET doc = $1, key_id = $2, version = version + 1 WHERE id = 1', [w.text, w.keyId]);
      await client.query('SELECT pg_notify($1, $2)', [VAULT_CHANNEL, String(Number(rows[0].version) + 1)]);
      await client.query('COMMIT');
      return w.result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.listener?.close();
    await this.pool.end().catch(() => undefined);
  }
}
