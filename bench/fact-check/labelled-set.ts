/**
 * The fact-check labelled set (test/fixtures/fact-check/labelled-set.json),
 * resolved: each case's product record and text, loaded from the sample
 * catalog, the committed bundled-model texts and the shared chapter-4
 * dataset. Shared by `npm run bench:fact-check` and the unit test that holds
 * the targets.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import {
  checkFacts,
  FACT_CODES,
  type FactCheckProduct,
  type FactCode,
  type FactVerdict,
} from '../../src/evaluation/checks/facts/index.js';
import { readCatalogEntries } from '../../src/seed.js';

// Compiled to dist/bench/fact-check/.
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const labelledSetDir = path.join(repoRoot, 'test', 'fixtures', 'fact-check');

const codes = Object.keys(FACT_CODES) as [FactCode, ...FactCode[]];
const CaseSchema = z
  .object({
    id: z.string().min(1),
    split: z.enum(['held-out', 'dev']),
    product: z.string().regex(/^(SS-[A-Z]{3}-\d{3}|chapter4:\d+)$/),
    title: z.string().optional(),
    text: z.string().min(1).optional(),
    onnx: z.string().optional(),
    gpt35: z
      .object({ row: z.number().int().min(0), paragraphs: z.array(z.number().int().min(0)).optional() })
      .optional(),
    locale: z.string().optional(),
    verdict: z.enum(['PASS', 'REVIEW', 'BLOCK']),
    codes: z.array(z.enum(codes)),
    note: z.string().optional(),
  })
  .strict()
  .refine(
    (c) => [c.text, c.onnx, c.gpt35].filter((x) => x !== undefined).length === 1,
    'exactly one of text, onnx, gpt35',
  )
  .refine(
    (c) => (c.verdict === 'PASS' ? c.codes.length === 0 : c.codes.length > 0 || c.note !== undefined),
    'PASS cases have no codes; the others some, or a note saying why none applies',
  );
const FileSchema = z.object({ description: z.string(), cases: z.array(CaseSchema).min(1) });

export type LabelledCase = z.output<typeof CaseSchema>;
export type TextSource = 'onnx' | 'gpt35' | 'written';

export interface ResolvedCase {
  readonly case: LabelledCase;
  readonly source: TextSource;
  readonly product: FactCheckProduct;
  readonly text: string;
}

interface Chapter4Row {
  product_title: string;
  product_metadata: string;
  product_description: string;
}

const readCsv = (dir: string, name: string): Chapter4Row[] =>
  parse<Chapter4Row>(readFileSync(path.join(dir, name), 'utf8'), { columns: true });

/** Paragraphs of a chapter-4 text: blank-line separated, trimmed. */
export const paragraphsOf = (text: string): string[] =>
  text
    .trim()
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter(Boolean);

/**
 * Load and resolve every case. `chapter4Dir` is the shared dataset's folder.
 * @throws TypeError naming the case when a reference does not resolve (unknown SKU, text id, row, paragraph, or a title that differs).
 */
export function loadLabelledSet(chapter4Dir: string): ResolvedCase[] {
  const file = FileSchema.parse(JSON.parse(readFileSync(path.join(labelledSetDir, 'labelled-set.json'), 'utf8')));
  const onnx = new Map(
    (
      JSON.parse(readFileSync(path.join(labelledSetDir, 'onnx-texts.json'), 'utf8')) as {
        texts: Array<{ id: string; text: string }>;
      }
    ).texts.map((t) => [t.id, t.text]),
  );
  const catalog = new Map(readCatalogEntries().map((e) => [e.sku, e]));
  let references: Chapter4Row[] | undefined;
  let gpt35: Chapter4Row[] | undefined;
  const ids = new Set<string>();
  return file.cases.map((c) => {
    if (ids.has(c.id)) throw new TypeError(`labelled set: duplicate case id ${c.id}`);
    ids.add(c.id);
    let product: FactCheckProduct;
    if (c.product.startsWith('chapter4:')) {
      references ??= readCsv(chapter4Dir, 'reference_data.csv');
      const row = references[Number(c.product.slice('chapter4:'.length))];
      if (!row) throw new TypeError(`case ${c.id}: no chapter-4 row ${c.product}`);
      if (c.title !== undefined && c.title !== row.product_title)
        throw new TypeError(`case ${c.id}: ${c.product} is "${row.product_title}", not "${c.title}"`);
      product = {
        title: row.product_title,
        attributes: row.product_metadata
          .split(',')
          .map((a) => a.trim())
          .filter(Boolean),
      };
    } else {
      const e = catalog.get(c.product);
      if (!e) throw new TypeError(`case ${c.id}: no catalog product ${c.product}`);
      product = {
        title: e.title,
        category: e.category,
        gender: e.gender,
        price: e.price,
        attributes: e.attributes,
        colors: e.colors,
        sizes: e.sizes,
        materials: e.materials,
      };
    }
    let text: string;
    let source: TextSource;
    if (c.onnx !== undefined) {
      const t = onnx.get(c.onnx);
      if (t === undefined) throw new TypeError(`case ${c.id}: no bundled-model text ${c.onnx}`);
      if (!c.onnx.startsWith(`${c.product}@`))
        throw new TypeError(`case ${c.id}: text ${c.onnx} is not of product ${c.product}`);
      text = t;
      source = 'onnx';
    } else if (c.gpt35 !== undefined) {
      gpt35 ??= readCsv(chapter4Dir, 'gpt3_descriptions.csv');
      const row = gpt35[c.gpt35.row];
      if (!row) throw new TypeError(`case ${c.id}: no GPT-3.5 row ${c.gpt35.row}`);
      if (c.product !== `chapter4:${c.gpt35.row}`)
        throw new TypeError(`case ${c.id}: GPT-3.5 row ${c.gpt35.row} belongs to chapter4:${c.gpt35.row}`);
      const paragraphs = paragraphsOf(row.product_description);
      const pick = c.gpt35.paragraphs ?? paragraphs.map((_, i) => i);
      const rowIndex = c.gpt35.row;
      const picked = pick.map((p) => {
        const paragraph = paragraphs[p];
        if (!paragraph) throw new TypeError(`case ${c.id}: GPT-3.5 row ${rowIndex} has no paragraph ${p}`);
        return paragraph;
      });
      text = picked.join('\n\n');
      source = 'gpt35';
    } else if (c.text !== undefined) {
      text = c.text;
      source = 'written';
    } else throw new TypeError(`case ${c.id}: no text, onnx or gpt35`);
    return { case: c, source, product, text };
  });
}

export interface CaseOutcome {
  readonly resolved: ResolvedCase;
  readonly verdict: FactVerdict;
  readonly codes: readonly FactCode[];
}

export interface Scores {
  readonly cases: number;
  readonly faulty: number;
  readonly clean: number;
  /** Faulty cases the checker did not PASS. */
  readonly caught: number;
  /** Clean cases the checker did not PASS. */
  readonly falsePositives: number;
  /** Cases whose verdict is exactly the label's. */
  readonly exactVerdicts: number;
  /** Expected codes found / expected codes. */
  readonly codeRecall: number;
  /** Codes found that were expected / codes found. */
  readonly codePrecision: number;
  readonly recall: number;
  readonly falsePositiveRate: number;
}

export const runCase = (resolved: ResolvedCase): CaseOutcome => {
  const result = checkFacts(
    resolved.text,
    resolved.product,
    resolved.case.locale ? { locale: resolved.case.locale } : {},
  );
  return { resolved, verdict: result.verdict, codes: [...new Set(result.findings.map((f) => f.code))] };
};

export function score(outcomes: readonly CaseOutcome[]): Scores {
  const faulty = outcomes.filter((o) => o.resolved.case.verdict !== 'PASS');
  const clean = outcomes.filter((o) => o.resolved.case.verdict === 'PASS');
  let expected = 0;
  let expectedFound = 0;
  let found = 0;
  let foundExpected = 0;
  for (const o of outcomes) {
    const want = new Set(o.resolved.case.codes);
    expected += want.size;
    found += o.codes.length;
    for (const c of o.codes) if (want.has(c)) foundExpected += 1;
    for (const c of want) if (o.codes.includes(c)) expectedFound += 1;
  }
  const caught = faulty.filter((o) => o.verdict !== 'PASS').length;
  const falsePositives = clean.filter((o) => o.verdict !== 'PASS').length;
  return {
    cases: outcomes.length,
    faulty: faulty.length,
    clean: clean.length,
    caught,
    falsePositives,
    exactVerdicts: outcomes.filter((o) => o.verdict === o.resolved.case.verdict).length,
    codeRecall: expected ? expectedFound / expected : 1,
    codePrecision: found ? foundExpected / found : 1,
    recall: faulty.length ? caught / faulty.length : 1,
    falsePositiveRate: clean.length ? falsePositives / clean.length : 0,
  };
}
