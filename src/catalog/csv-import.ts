import { parse } from 'csv-parse/sync';
import type { ProductInput } from '../storage/types.js';
import { BadUserInputError, PayloadTooLargeError } from '../errors/index.js';
import { splitList, splitMaterials } from './list-cells.js';
import { MAX_TITLE_CHARACTERS, characterCount, forbiddenCharacter, imageUrlProblem, parsePrice, repeatedRows } from './row-checks.js';

/** Columns of the chapter-4 product CSV; every import needs them. */
export const REQUIRED_COLUMNS = ['product_image', 'product_description', 'product_title', 'product_metadata'] as const;
export const OPTIONAL_COLUMNS = ['sku', 'category', 'price', 'colors', 'sizes', 'materials', 'gender'] as const;

export interface CsvLimits {
  maxBytes: number;
  maxRows: number;
}

export type ParsedRow =
  | { line: number; ok: true; product: ProductInput }
  | { line: number; ok: false; code: string; message: string; title: string | null; sku: string | null };

const MAX_FIELD = 5_000;
/** Free-text fields, where line breaks are fine; every other field is one line. */
const MULTILINE_FIELDS = new Set(['product_description', 'product_metadata']);

/** Column delimiters a catalog CSV may use; a tie goes to the first. */
export const DELIMITERS = [',', ';', '\t', '|'] as const;
const KNOWN_COLUMNS: ReadonlySet<string> = new Set([...REQUIRED_COLUMNS, ...OPTIONAL_COLUMNS]);

export interface ParsedCsv {
  /** The column delimiter read from the header line. */
  delimiter: string;
  /** One entry per data row, in line order. */
  rows: ParsedRow[];
}

const headerCells = (text: string, delimiter: string): string[] => {
  try {
    const [cells] = parse(text, { delimiter, to_line: 1, relax_quotes: true, relax_column_count: true });
    return (cells ?? []).map((c) => c.trim().toLowerCase());
  } catch {
    return [];
  }
};

/**
 * The delimiter whose split of the header line names the most of our
 * columns, and that split. Spreadsheets export `;` where the decimal mark
 * is a comma, and tabs on copy and paste; with none of them naming a
 * column, `,` is assumed and the missing-columns error shows what it read.
 */
export function detectDelimiter(text: string): { delimiter: string; header: string[] } {
  let best = { delimiter: ',', header: [] as string[], known: -1 };
  for (const delimiter of DELIMITERS) {
    const header = headerCells(text, delimiter);
    const known = header.filter((c) => KNOWN_COLUMNS.has(c)).length;
    if (known > best.known) best = { delimiter, header, known };
  }
  return { delimiter: best.delimiter, header: best.header };
}

function rowError(line: number, code: string, message: string, record?: Record<string, string>): ParsedRow {
  return { line, ok: false, code, message, title: record?.product_title?.trim() || null, sku: record?.sku?.trim() || null };
}

function toProduct(line: number, record: Record<string, string>): ParsedRow {
  const title = record.product_title?.trim() ?? '';
  if (!title) return rowError(line, 'MISSING_TITLE', 'product_title is empty', record);
  if (characterCount(title) > MAX_TITLE_CHARACTERS) return rowError(line, 'FIELD_TOO_LONG', `product_title is longer than ${MAX_TITLE_CHARACTERS} characters`, record);
  const tooLong = Object.entries(record).find(([, v]) => typeof v === 'string' && v.length > MAX_FIELD);
  if (tooLong) return rowError(line, 'FIELD_TOO_LONG', `${tooLong[0]} is longer than ${MAX_FIELD} characters`, record);
  for (const [field, value] of Object.entries(record)) {
    const problem = typeof value === 'string' ? forbiddenCharacter(field, value, { multiline: MULTILINE_FIELDS.has(field) }) : null;
    if (problem) return rowError(line, 'INVALID_CHARACTERS', problem, record);
  }
  let price: number | null = null;
  const rawPrice = record.price?.trim();
  if (rawPrice) {
    const parsed = parsePrice(rawPrice);
    if ('problem' in parsed) return rowError(line, 'INVALID_PRICE', parsed.problem, record);
    price = parsed.price;
  }
  const imageUrl = record.product_image?.trim() || null;
  const imageProblem = imageUrl === null ? null : imageUrlProblem(imageUrl);
  if (imageProblem) return rowError(line, 'INVALID_IMAGE_URL', imageProblem, record);
  return {
    line,
    ok: true,
    product: {
      sku: record.sku?.trim() || null,
      title,
      category: record.category?.trim() || null,
      gender: record.gender?.trim().toLowerCase() || null,
      attributes: splitList(record.product_metadata),
      colors: splitList(record.colors),
      sizes: splitList(record.sizes),
      materials: splitMaterials(record.materials),
      imageUrl,
      referenceDescription: record.product_description?.trim() || null,
      price,
    },
  };
}

/** A row repeating an earlier row's SKU (or title, without one) becomes an error: the first is kept. */
function withoutRepeats(rows: ParsedRow[]): ParsedRow[] {
  const repeats = repeatedRows(rows.flatMap((r) => (r.ok ? [r] : [])));
  return rows.map((r) => {
    const earlier = repeats.get(r.line);
    if (!r.ok || earlier === undefined) return r;
    const { sku, title } = r.product;
    const [code, what] = sku ? ['DUPLICATE_SKU', `sku ${JSON.stringify(sku)}`] : ['DUPLICATE_TITLE', `title ${JSON.stringify(title)} (no sku)`];
    return { line: r.line, ok: false, code, message: `${what} is already on line ${earlier}: the first row is imported, this one is not`, title, sku: sku ?? null };
  });
}

/**
 * Parses a product CSV, delimited by `,` `;` tab or `|` (detectDelimiter).
 * Whole-file problems (size, missing columns, no header) throw a client
 * error; a broken row becomes an error for that row alone, so the good rows
 * still import.
 */
export function parseProductCsv(csv: string, limits: CsvLimits): ParsedCsv {
  const bytes = Buffer.byteLength(csv, 'utf8');
  if (bytes > limits.maxBytes) throw new PayloadTooLargeError('CSV', limits.maxBytes);
  const text = csv.replace(/^\uFEFF/, '');
  if (!text.trim()) throw new BadUserInputError('CSV is empty', { reason: 'CSV_EMPTY' });

  const { delimiter, header } = detectDelimiter(text);
  const missing = REQUIRED_COLUMNS.filter((c) => !header.includes(c));
  if (missing.length) {
    const shown = header.slice(0, 20).map((c) => JSON.stringify(c.slice(0, 64)));
    throw new BadUserInputError(
      `CSV is missing required column(s): ${missing.join(', ')}; its header line, split at ${JSON.stringify(delimiter)}, has ${shown.join(', ')} (columns may be delimited by , ; tab or |)`,
      { reason: 'CSV_MISSING_COLUMNS', missing, found: header.slice(0, 20), delimiter },
    );
  }
  const skipped: ParsedRow[] = [];
  let records: Array<{ record: Record<string, string>; info: { lines: number } }>;
  try {
    records = parse<{ record: Record<string, string>; info: { lines: number } }>(text, {
      delimiter,
      columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()),
      skip_empty_lines: true,
      trim: false,
      info: true,
      relax_column_count: false,
      skip_records_with_error: true,
      max_record_size: MAX_FIELD * 4,
      on_skip: (err: { message: string; lines?: number } | undefined) => {
        // One broken line can raise several errors (bad quote, then column count): report it once.
        if (err && !skipped.some((s) => s.line === (err.lines ?? 0))) skipped.push(rowError(err.lines ?? 0, 'MALFORMED_ROW', err.message));
      },
    });
  } catch (error) {
    // Errors that skip_records_with_error cannot skip (an unclosed quote runs to the end of the input).
    const message = error instanceof Error ? error.message : String(error);
    throw new BadUserInputError(`CSV could not be parsed: ${message}`, { reason: 'CSV_MALFORMED' });
  }
  if (records.length + skipped.length > limits.maxRows) {
    throw new BadUserInputError(`CSV has more than ${limits.maxRows} rows`, { reason: 'CSV_TOO_MANY_ROWS', maxRows: limits.maxRows });
  }
  const rows = withoutRepeats(records.map(({ record, info }) => toProduct(info.lines, record)));
  return { delimiter, rows: [...rows, ...skipped].sort((a, b) => a.line - b.line) };
}
