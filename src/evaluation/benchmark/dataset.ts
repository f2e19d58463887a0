/**
 * Benchmark datasets: the chapter-4 CSV format (product_image,
 * product_description = the human reference, product_title,
 * product_metadata), catalog products, and candidate files (a
 * product_description column whose rows line up with the dataset's).
 */
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import type { ProductRecord } from '../../storage/types.js';
import type { BenchmarkRow } from './types.js';

export class DatasetError extends Error {
  override readonly name = 'DatasetError';
}

const splitList = (value: string | undefined): string[] =>
  (value ?? '')
    .split(/[,;|]/)
    .map((s) => s.trim())
    .filter(Boolean);

function records(csv: string, what: string): Array<Record<string, string>> {
  try {
    return parse<Record<string, string>>(csv.replace(/^\uFEFF/, ''), {
      columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()),
      skip_empty_lines: true,
      relax_column_count: true,
    });
  } catch (error) {
    throw new DatasetError(`${what}: not a readable CSV (${(error as Error).message})`);
  }
}

/**
 * Where a dataset's image lives: http(s) URLs as given; a relative path
 * against `baseDir` (the prototype wrote `data/img/x.jpg` for the `img/`
 * folder beside the CSV, so a leading `data/` is dropped); with no
 * `baseDir`, a local path is not trusted and the row has no image.
 */
export function resolveImage(raw: string | undefined, baseDir: string | null): string | null {
  const value = raw?.trim();
  if (!value) return null;
  if (/^https?:\/\//i.test(value)) return value;
  if (!baseDir) return null;
  return path.resolve(baseDir, value.replace(/^(\.\/)?data\//, ''));
}

/** Parses a dataset CSV; rows without a reference description are refused. */
export function parseDatasetCsv(
  csv: string,
  options: { baseDir?: string | null; maxRows?: number } = {},
): BenchmarkRow[] {
  const rows = records(csv, 'dataset');
  const [first] = rows;
  if (first === undefined) throw new DatasetError('dataset: no rows');
  const max = options.maxRows ?? 5000;
  if (rows.length > max) throw new DatasetError(`dataset: ${rows.length} rows, at most ${max}`);
  if (!('product_description' in first))
    throw new DatasetError('dataset: missing column product_description (the human reference)');
  return rows.map((r, index) => {
    const reference = r.product_description?.trim() ?? '';
    if (!reference) throw new DatasetError(`dataset row ${index + 1}: product_description is empty`);
    return {
      index,
      title: r.product_title?.trim() || `row ${index + 1}`,
      reference,
      attributes: splitList(r.product_metadata),
      image: resolveImage(r.product_image, options.baseDir ?? null),
    };
  });
}

/** Dataset rows from catalog products (those with a reference description). */
export function rowsFromProducts(products: readonly ProductRecord[]): BenchmarkRow[] {
  return products
    .flatMap((p) => {
      const reference = p.referenceDescription?.trim();
      return reference ? [{ p, reference }] : [];
    })
    .map(({ p, reference }, index) => ({
      index,
      productId: p.id,
      title: p.title,
      reference,
      attributes: p.attributes,
      category: p.category,
      gender: p.gender,
      image: p.imageUrl && /^https?:\/\//i.test(p.imageUrl) ? p.imageUrl : null,
      colors: p.colors,
      sizes: p.sizes,
      materials: p.materials,
      price: p.price ?? null,
    }));
}

/**
 * Candidate texts from a CSV with a `product_description` column. There must
 * be one per dataset row: a shorter or longer file does not line up.
 */
export function parseCandidatesCsv(csv: string, expectedRows: number, name = 'candidates'): string[] {
  const rows = records(csv, name);
  const [first] = rows;
  if (first && !('product_description' in first)) throw new DatasetError(`${name}: missing column product_description`);
  if (rows.length !== expectedRows) {
    throw new DatasetError(
      `${name}: ${rows.length} rows, but the dataset has ${expectedRows}; candidate rows must line up with the dataset's rows`,
    );
  }
  return rows.map((r) => r.product_description ?? '');
}
