/**
 * A new description's INSERT, written once for every backend (`?`
 * placeholders), with the record it stores: the description stores and the
 * publication store's one-transaction path (publication-sql.ts) share it.
 */
import { randomUUID } from 'node:crypto';
import type { DescriptionInput, DescriptionRecord } from './description-types.js';
import { toDescription, type Row } from './rows.js';

const COLUMNS = [
  'id',
  'product_id',
  'text',
  'provider',
  'model',
  'prompt_version',
  'personalization_key',
  'personalization',
  'parameters',
  'finish_reason',
  'latency_ms',
  'prompt_tokens',
  'completion_tokens',
  'estimated_cost_usd',
  'attempts',
  'flags',
  'attribute_coverage',
  'created_at',
] as const;

const INSERT_SQL = `INSERT INTO descriptions (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`;

export interface DescriptionInsert {
  sql: string;
  params: unknown[];
  /** The row as it reads back (JSON columns parsed from the text stored), built without reading it. */
  record: DescriptionRecord;
}

/** The INSERT of a new description, with a fresh id and the current time. */
export function descriptionInsert(input: DescriptionInput): DescriptionInsert {
  const params = [
    randomUUID(),
    input.productId,
    input.text,
    input.provider,
    input.model,
    input.promptVersion,
    input.personalizationKey,
    input.personalization ? JSON.stringify(input.personalization) : null,
    JSON.stringify(input.parameters),
    input.finishReason,
    input.latencyMs,
    input.promptTokens,
    input.completionTokens,
    input.estimatedCostUsd,
    JSON.stringify(input.attempts),
    JSON.stringify(input.flags),
    input.attributeCoverage,
    new Date().toISOString(),
  ];
  const row: Row = {};
  COLUMNS.forEach((column, i) => (row[column] = params[i]));
  return { sql: INSERT_SQL, params, record: toDescription(row) };
}
