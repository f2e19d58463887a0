import type { CatalogStore, ProductFilter, ProductRecord } from '../storage/types.js';
import { BadUserInputError } from '../errors/index.js';
import { pageSizeError } from '../limits/page-size.js';
import { parseProductCsv, type CsvLimits } from './csv-import.js';

// The shapes the schema's ProductConnection and ImportResult types expose.
export interface ProductConnection {
  edges: Array<{ cursor: string; node: ProductRecord }>;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: number;
}

export enum ImportRowStatus {
  CREATED = 'CREATED',
  UPDATED = 'UPDATED',
  UNCHANGED = 'UNCHANGED',
  ERROR = 'ERROR',
}

export interface ImportRowResult {
  /** 1-based line number in the CSV (the header is line 1). */
  line: number;
  status: ImportRowStatus;
  productId: string | null;
  sku: string | null;
  title: string | null;
  errorCode: string | null;
  error: string | null;
}

export interface ImportResult {
  delimiter: string;
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  rows: ImportRowResult[];
}

const CURSOR_PREFIX = 'product:';
// Standard or URL-safe base64, unpadded or padded to a multiple of four.
const BASE64 = /^[A-Za-z0-9+/_-]+(?:={1,2})?$/;

/** A product's cursor: unpadded base64url of `product:<seq>` (another connection's keyset under its own prefix). */
export function encodeCursor(seq: number, prefix = CURSOR_PREFIX): string {
  return Buffer.from(`${prefix}${seq}`).toString('base64url');
}

/**
 * The seq of a cursor this service made, also when a client library re-encoded
 * it as standard base64 or padded it; anything else is INVALID_CURSOR.
 */
export function decodeCursor(cursor: string, prefix = CURSOR_PREFIX): number {
  const padded = cursor.endsWith('=');
  const canonical = BASE64.test(cursor) && (!padded || cursor.length % 4 === 0) ? cursor.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_') : '';
  const text = Buffer.from(canonical, 'base64url').toString('utf8');
  const seq = text.startsWith(prefix) ? Number(text.slice(prefix.length)) : NaN;
  if (!Number.isSafeInteger(seq) || seq < 0 || encodeCursor(seq, prefix) !== canonical) {
    throw new BadUserInputError(`invalid cursor ${JSON.stringify(cursor.slice(0, 64))}`, { reason: 'INVALID_CURSOR', argument: 'after' });
  }
  return seq;
}

/** Catalog reads and imports. Shared by every request; holds no request state. */
export class ProductService {
  constructor(
    private readonly catalog: CatalogStore,
    private readonly csvLimits: CsvLimits,
  ) {}

  async list(first: number, after: string | null | undefined, filter: ProductFilter): Promise<ProductConnection> {
    // The limits check refuses this before a GraphQL request runs; kept for callers that are not one.
    const pageSize = pageSizeError('first', first);
    if (pageSize) throw pageSize;
    const afterSeq = after ? decodeCursor(after) : null;
    const tags = filter.tags?.map((t) => t.trim()).filter(Boolean);
    const clean: ProductFilter = { category: filter.category?.trim() || null, search: filter.search?.trim() || null, tags: tags?.length ? tags : null };
    const [page, totalCount] = await Promise.all([this.catalog.listProducts(clean, first, afterSeq), this.catalog.countProducts(clean)]);
    const edges = page.rows.map((node) => ({ cursor: encodeCursor(node.seq), node }));
    return {
      edges,
      totalCount,
      pageInfo: {
        hasNextPage: page.hasNextPage,
        hasPreviousPage: afterSeq !== null,
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges.at(-1)?.cursor ?? null,
      },
    };
  }

  bySku(sku: string): Promise<ProductRecord | null> {
    return this.catalog.productBySku(sku.trim());
  }

  async importCsv(csv: string): Promise<ImportResult> {
    const { delimiter, rows: parsed } = parseProductCsv(csv, this.csvLimits);
    const good = parsed.filter((r) => r.ok);
    const outcomes = await this.catalog.upsertProducts(good.map((r) => r.product));
    // One outcome per upserted row, in order.
    const byLine = new Map(good.map((r, i) => [r.line, outcomes[i]]));
    const rows: ImportRowResult[] = parsed.map((r) => {
      if (!r.ok) return { line: r.line, status: ImportRowStatus.ERROR, productId: null, sku: r.sku, title: r.title, errorCode: r.code, error: r.message };
      const o = byLine.get(r.line);
      if (!o) throw new Error(`catalog import: no outcome for line ${r.line}`);
      const status = o.action === 'created' ? ImportRowStatus.CREATED : o.action === 'updated' ? ImportRowStatus.UPDATED : ImportRowStatus.UNCHANGED;
      return { line: r.line, status, productId: o.product.id, sku: o.product.sku, title: o.product.title, errorCode: null, error: null };
    });
    const count = (s: ImportRowStatus) => rows.filter((r) => r.status === s).length;
    return { delimiter, created: count(ImportRowStatus.CREATED), updated: count(ImportRowStatus.UPDATED), unchanged: count(ImportRowStatus.UNCHANGED), failed: count(ImportRowStatus.ERROR), rows };
  }
}
