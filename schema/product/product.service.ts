import type { Storage, ProductFilter, ProductRecord } from '../../src/storage/types.js';
import { BadUserInputError } from '../../src/errors/index.js';
import { parseProductCsv, type CsvLimits } from '../../src/catalog/csv-import.js';
import { ImportRowStatus, type ImportResult, type ImportRowResult } from './import.type.js';
import type { ProductConnection } from './product.type.js';

/** The most products one page may ask for. */
export const MAX_PAGE_SIZE = 100;
const CURSOR_PREFIX = 'product:';

export function encodeCursor(seq: number): string {
  return Buffer.from(`${CURSOR_PREFIX}${seq}`).toString('base64url');
}

export function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const seq = text.startsWith(CURSOR_PREFIX) ? Number(text.slice(CURSOR_PREFIX.length)) : NaN;
  if (!Number.isSafeInteger(seq) || seq < 0 || encodeCursor(seq) !== cursor) {
    throw new BadUserInputError(`invalid cursor ${JSON.stringify(cursor.slice(0, 64))}`, { reason: 'INVALID_CURSOR', argument: 'after' });
  }
  return seq;
}

/** Catalog reads and imports. Shared by every request; holds no request state. */
export class ProductService {
  constructor(
    private readonly storage: Storage,
    private readonly csvLimits: CsvLimits,
  ) {}

  async list(first: number, after: string | null | undefined, filter: ProductFilter): Promise<ProductConnection> {
    if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
      throw new BadUserInputError(`first must be between 0 and ${MAX_PAGE_SIZE}`, { reason: 'PAGE_SIZE_OUT_OF_RANGE', argument: 'first', max: MAX_PAGE_SIZE });
    }
    const afterSeq = after ? decodeCursor(after) : null;
    const tags = filter.tags?.map((t) => t.trim()).filter(Boolean);
    const clean: ProductFilter = { category: filter.category?.trim() || null, search: filter.search?.trim() || null, tags: tags?.length ? tags : null };
    const [page, totalCount] = await Promise.all([this.storage.listProducts(clean, first, afterSeq), this.storage.countProducts(clean)]);
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
    return this.storage.productBySku(sku.trim());
  }

  async importCsv(csv: string): Promise<ImportResult> {
    const parsed = parseProductCsv(csv, this.csvLimits);
    const good = parsed.filter((r) => r.ok);
    const outcomes = await this.storage.upsertProducts(good.map((r) => r.product));
    const byLine = new Map(good.map((r, i) => [r.line, outcomes[i]!]));
    const rows: ImportRowResult[] = parsed.map((r) => {
      if (!r.ok) return { line: r.line, status: ImportRowStatus.ERROR, productId: null, sku: r.sku, title: r.title, errorCode: r.code, error: r.message };
      const o = byLine.get(r.line)!;
      const status = o.action === 'created' ? ImportRowStatus.CREATED : o.action === 'updated' ? ImportRowStatus.UPDATED : ImportRowStatus.UNCHANGED;
      return { line: r.line, status, productId: o.product.id, sku: o.product.sku, title: o.product.title, errorCode: null, error: null };
    });
    const count = (s: ImportRowStatus) => rows.filter((r) => r.status === s).length;
    return { created: count(ImportRowStatus.CREATED), updated: count(ImportRowStatus.UPDATED), unchanged: count(ImportRowStatus.UNCHANGED), failed: count(ImportRowStatus.ERROR), rows };
  }
}
