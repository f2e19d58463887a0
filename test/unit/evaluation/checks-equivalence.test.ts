/**
 * The description checks against the way they were computed before they were
 * made cheaper (a quadratic longest common run, a lookbehind for the start of
 * a term, the text split twice): the same findings on the shared dataset's
 * texts, the catalog and hostile inputs. The digest was taken from the code
 * before the change, on the same inputs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { chapter4Dir } from '../../helpers/paths.js';
import { buildPrompt } from '../../../src/prompts/build-prompt.js';
import { catalogFacts, readCatalogEntries } from '../../../src/seed.js';
import {
  attributeCoverage,
  checkDescription,
  checkInclusiveLanguage,
  defaultInclusiveLanguageRules,
  type DescriptionCheckInput,
} from '../../../src/evaluation/checks/index.js';
import {
  longestCommonRun,
  sentenceTokens,
  wordTokens,
  type Token,
} from '../../../src/evaluation/checks/text-tokens.js';

/** The longest common run as it was computed: every pair of places, first longest run in scan order. */
function quadraticRun(a: readonly Token[], b: readonly Token[]): { length: number; aStart: number; bStart: number } {
  let best = { length: 0, aStart: 0, bStart: 0 };
  let prev = new Array<number>(b.length + 1).fill(0);
  for (const [i, { word }] of a.entries()) {
    const cur = new Array<number>(b.length + 1).fill(0);
    for (const [j, t] of b.entries()) {
      if (word === '' || word !== t.word) continue;
      const len = (prev[j] ?? 0) + 1;
      cur[j + 1] = len;
      if (len > best.length) best = { length: len, aStart: i + 1 - len, bStart: j + 1 - len };
    }
    prev = cur;
  }
  return best;
}

const rows = (name: string): Array<Record<string, string>> =>
  parse<Record<string, string>>(readFileSync(path.join(chapter4Dir, name), 'utf8'), { columns: true });

const HOSTILE = [
  '',
  ' ',
  '...!!!???\n\n\n',
  'the he she her hers his him. Her! HIS? h\u00e9 she\u2019s him\u2019s',
  '\u{1D400}he \u{1D400}her \u00e9her \u0430her 1her _her her_ her1 -her- \u2019her\u2019',
  'e\u0301 her \u{1F600}her \u{1F600} her \u05d0her \u0627\u0644her',
  'slimming-slimming slimming\u00a0cut for\u00a0him for-him FOR HIM',
  'a a a a a a a a a a a a a a a a a a a a a a a a. a a a a a a a a a a',
  'One two three four five six seven eight nine. One two three four five six seven eight nine ten.',
  'x'.repeat(5000),
  'her '.repeat(2000),
  Array.from({ length: 3000 }, (_, i) => `w${i % 37}`).join(' '),
  'muffin top, problem areas; hides problem areas: flatters every body! nude, nudes, denude, exotic exoticism',
];

/** The inputs: every dataset text against every reference and the catalog's own, with prompts, attributes and genders. */
function inputs(): DescriptionCheckInput[] {
  const chapter4 = ['gpt3_descriptions.csv', 'gptneo_descriptions.csv', 'product_data.csv', 'reference_data.csv'];
  const texts = [...chapter4.flatMap((f) => rows(f).map((r) => r.product_description ?? '')), ...HOSTILE];
  const references = rows('reference_data.csv');
  const out: DescriptionCheckInput[] = [];
  for (const [i, text] of texts.entries()) {
    const ref = references[i % references.length];
    const reference = ref?.product_description ?? '';
    const attributes = (ref?.product_metadata ?? '').split(',');
    out.push({
      text,
      reference,
      prompt: `Write a creative product description for the following product: ${reference}`,
      attributes,
      gender: ['unisex', null, 'women', 'men'][i % 4] ?? null,
    });
    out.push({ text, attributes: ['unisex', ...attributes] });
  }
  for (const p of readCatalogEntries()) {
    const prompt = buildPrompt(catalogFacts(p)).prompt;
    for (const text of [p.description, `${prompt} ${p.description}`, HOSTILE[4] ?? '']) {
      out.push({ text, prompt, reference: p.description, attributes: p.attributes, gender: p.gender });
    }
  }
  return out;
}

test('the longest common run is the quadratic scan’s, ties included, on dataset and hostile texts', () => {
  const all = inputs();
  let compared = 0;
  for (const input of all) {
    const a = sentenceTokens(input.text);
    for (const other of [input.reference ?? '', input.prompt ?? '', input.text, HOSTILE[7] ?? '']) {
      const b = sentenceTokens(other);
      assert.deepEqual(
        longestCommonRun(a, b),
        quadraticRun(a, b),
        `${input.text.slice(0, 60)} / ${other.slice(0, 60)}`,
      );
      compared += 1;
    }
  }
  assert.ok(compared > 1000, `only ${compared} pairs`);
});

/** The inclusive-language check as it ran, with a leading lookbehind for the start of a term, for a unisex product. */
function lookbehindFlags(text: string): Array<{ rule: string; start: number; end: number; match: string }> {
  const flags = [];
  for (const rule of defaultInclusiveLanguageRules().rules) {
    if (rule.onlyWhenGender && !rule.onlyWhenGender.includes('unisex')) continue;
    for (const m of text.matchAll(new RegExp(`(?<![\\p{L}\\p{N}_])${rule.pattern.source}`, 'giu')))
      flags.push({ rule: rule.id, start: m.index, end: m.index + m[0].length, match: m[0] });
  }
  return flags.sort((a, b) => a.start - b.start || b.end - a.end);
}

test('inclusive-language findings are those of the lookbehind patterns', () => {
  let flagged = 0;
  for (const input of inputs()) {
    const after = checkInclusiveLanguage(input.text, { gender: 'unisex' }).map((f) => ({
      rule: f.rule,
      start: f.span.start,
      end: f.span.end,
      match: f.match,
    }));
    assert.deepEqual(after, lookbehindFlags(input.text), input.text.slice(0, 80));
    flagged += after.length;
  }
  assert.ok(flagged > 100, `only ${flagged} findings: the inputs do not exercise the rules`);
});

test('sentence tokens hold the word tokens, and coverage is the same from either', () => {
  for (const input of inputs()) {
    const words = sentenceTokens(input.text).filter((t) => t.word !== '');
    assert.deepEqual(words, wordTokens(input.text));
    const attributes = input.attributes ?? [];
    assert.equal(
      checkDescription(input).attributeCoverage,
      attributes.length ? attributeCoverage(input.text, attributes) : null,
    );
  }
});

test('checkDescription gives the findings the code before the change gave, on every input', () => {
  const hash = createHash('sha256');
  let flags = 0;
  for (const input of inputs()) {
    const result = checkDescription(input);
    flags += result.flags.length;
    hash.update(JSON.stringify(result)).update('\n');
  }
  assert.ok(flags > 100, `only ${flags} findings`);
  assert.equal(hash.digest('hex'), EXPECTED_DIGEST);
});

// sha256 of the results, one JSON line each, from the code before the change (and after).
const EXPECTED_DIGEST = 'e6e64071e7901c21bf5c0c92945dca65f9a632ec2243ebfd941fab3f4b8005c9';
