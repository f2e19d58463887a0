import pg from 'pg';
import type { CustomTypesConfig } from 'pg';

/** Type OIDs from Postgres' pg_type catalogue (stable across versions). */
const JSON_OID = 114;
const TIMESTAMPTZ_OID = 1184;

const parseTimestamptz = pg.types.getTypeParser(TIMESTAMPTZ_OID, 'text') as (value: string) => Date;

/**
 * Per-pool type parsers (the global `pg.types` is left alone): `json` columns
 * come back as their stored text and `timestamptz` as `toISOString()` text,
 * the shapes SQLite's rows have, so one row mapper serves both backends.
 * BIGINT stays a string, which the mapper turns into a number.
 */
export const pgTypeParsers: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === JSON_OID) return (value: string) => value;
    if (oid === TIMESTAMPTZ_OID) return (value: string) => parseTimestamptz(value).toISOString();
    return pg.types.getTypeParser(oid, format) as (value: string) => unknown;
  }) as CustomTypesConfig['getTypeParser'],
};
