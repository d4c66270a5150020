/**
 * The PostgreSQL store's schema migrations, in order: migration N brings the schema from version
 * N-1 to N. Add a new module at the end; never edit one that has shipped (databases ran it already).
 */
import * as m001 from './001-initial.ts';
import * as m002 from './002-record-claims.ts';
import * as m003 from './003-sessions.ts';
import * as m004 from './004-studios.ts';
import * as m005 from './005-run-pacing.ts';
import * as m006 from './006-step-count-shards.ts';
import * as m007 from './007-tick-runs.ts';
import * as m008 from './008-kept-files.ts';
import * as m009 from './009-evidence-files.ts';
import * as m010 from './010-shared-uploads.ts';
import * as m011 from './011-review-step-counts.ts';
import * as m012 from './012-run-halts.ts';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [m001, m002, m003, m004, m005, m006, m007, m008, m009, m010, m011, m012].map((m, i) => ({ version: i + 1, name: m.name, sql: m.sql }));

/** The schema version this build writes. */
export const PG_SCHEMA_VERSION = MIGRATIONS.length;
