import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { chapter4Dir } from '../../helpers/paths.js';
import { readCatalogEntries } from '../../../src/seed.js';
import {
  attributeCoverage,
  checkDescription,
  checkInclusiveLanguage,
  compileInclusiveLanguageRules,
  loadInclusiveLanguageRules,
} from '../../../src/evaluation/checks/index.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { must } from '../../helpers/must.js';

const rulesOf = (text: string, ctx = {}): string[] => checkInclusiveLanguage(text, ctx).map((f) => f.rule);

test('catalog reference descriptions raise no flag (the catalog must exist)', () => {
  // No existence check on purpose: a missing catalog fails this test.
  const products = readCatalogEntries();
  assert.ok(products.length >= 20, `only ${products.length} products`);
  for (const p of products) {
    const result = checkDescription({
      text: p.description,
      attributes: p.attributes,
      gender: p.gender,
    });
    assert.deepEqual(result.flags, [], `${p.sku}: ${JSON.stringify(result.flags)}`);
  }
});

test('each rule category fires on a positive example, with exact spans', () => {
  const cases: [string, string, string][] = [
    ['This unisex hoodie is perfect for him.', 'gendered-wording', 'for him'],
    ['A slimming cut for evenings.', 'body-slimming', 'slimming'],
    ['The wrap front hides problem areas.', 'body-problem-areas', 'hides problem areas'],
    ['A dress for curvy women only.', 'body-one-shape', 'for curvy women only'],
    ['Tailored to flatter every body shape.', 'body-one-shape', 'flatter every body'],
    ['An anti-ageing silk that keeps you youthful.', 'age', 'anti-ageing'],
    ['Available in nude and black.', 'skin-tone-colour', 'nude'],
    ['Tights in flesh coloured mesh.', 'skin-tone-colour', 'flesh coloured'],
    ['A tribal print tote.', 'appropriative', 'tribal'],
    ['Gypsy skirt with tiers.', 'appropriative', 'Gypsy'],
    ['An exotic print.', 'appropriative', 'exotic'],
    ['This jacket is insane value.', 'ableist', 'insane'],
  ];
  for (const [text, rule, match] of cases) {
    const flags = checkInclusiveLanguage(text, {});
    const flag = flags.find((f) => f.rule === rule);
    assert.ok(flag, `${rule} on ${JSON.stringify(text)}: got ${JSON.stringify(flags)}`);
    assert.equal(flag.match, match);
    assert.equal(text.slice(flag.span.start, flag.span.end), match);
    assert.ok(flag.explanation.length > 0 && flag.suggestion.length > 0);
  }
});

test('inflections match and in-word hits do not', () => {
  assert.deepEqual(rulesOf('Shop our nudes and neutrals.'), ['skin-tone-colour']);
  assert.deepEqual(rulesOf('Two gypsies-style skirts.'), ['appropriative']);
  assert.deepEqual(rulesOf("The nude's sheen."), ['skin-tone-colour']);
  assert.deepEqual(rulesOf('Salt spray can denude the fibres.'), []);
  assert.deepEqual(rulesOf('A study in exoticism.'), []);
  assert.deepEqual(rulesOf('Crazily soft.'), []);
  assert.deepEqual(rulesOf('A lamé top with a blind hem.'), []);
  assert.deepEqual(rulesOf('Flesh-Coloured tights'), ['skin-tone-colour']);
});

test('gendered wording is flagged only on unisex or genderless products', () => {
  const text = "A men's jacket he will love.";
  assert.deepEqual(rulesOf(text, { gender: 'men' }), []);
  assert.deepEqual(rulesOf(text, { gender: 'unisex' }), ['gendered-wording', 'gendered-wording']);
  assert.deepEqual(rulesOf(text, {}), ['gendered-wording', 'gendered-wording']);
  assert.deepEqual(rulesOf(text, { gender: 'men', attributes: ['Unisex', 'boxy'] }), [
    'gendered-wording',
    'gendered-wording',
  ]);
  assert.deepEqual(rulesOf('Their shirt, with hemlines', { gender: 'unisex' }), []);
});

test('rule files are validated, and a custom rule file can be loaded', (t) => {
  assert.throws(() => compileInclusiveLanguageRules({ version: 1, rules: [{ id: 'x' }] }), /rules\.0\.category/);
  assert.throws(() => compileInclusiveLanguageRules({ version: 2, rules: [] }), /version/);
  const rule = { id: 'r', category: 'c', terms: ['fab'], explanation: 'e', suggestion: 's' };
  assert.throws(() => compileInclusiveLanguageRules({ version: 1, rules: [rule, rule] }), /duplicate rule id "r"/);
  const dir = tempDir('rules', t);
  const file = path.join(dir, 'brand.json');
  writeFileSync(file, JSON.stringify({ version: 1, rules: [{ ...rule, inflect: true }] }));
  const rules = loadInclusiveLanguageRules(file);
  assert.deepEqual(rulesOf('So fabs, and fab.', { rules }), ['r', 'r']);
  assert.deepEqual(rulesOf('A nude tee.', { rules }), []);
  writeFileSync(file, '{ not json');
  assert.throws(() => loadInclusiveLanguageRules(file), /brand\.json/);
});

/** The chapter-4 files' rows: every one has a product_description column. */
const readCsv = (name: string): Array<{ product_description: string }> =>
  parse<{ product_description: string }>(readFileSync(path.join(chapter4Dir, name), 'utf8'), { columns: true });

test('chapter-4: GPT-Neo rows are flagged for prompt echo and reference leak, GPT-3.5 rows are not', () => {
  const references = readCsv('reference_data.csv').map((r) => r.product_description);
  const prompt = (ref: string): string => `Write a creative product description for the following product: ${ref}`;
  const codes = (file: string): string[][] =>
    readCsv(file).map((row, i) => {
      const reference = must(references[i], `reference ${i}`);
      return checkDescription({ text: row.product_description, prompt: prompt(reference), reference })
        .flags.filter((f) => f.code !== 'INCLUSIVE_LANGUAGE')
        .map((f) => f.code);
    });
  const neo = codes('gptneo_descriptions.csv');
  assert.equal(neo.length, references.length);
  for (const [i, c] of neo.entries()) assert.deepEqual(c, ['PROMPT_ECHO', 'REFERENCE_LEAK'], `GPT-Neo row ${i}`);
  for (const [i, c] of codes('gpt3_descriptions.csv').entries()) assert.deepEqual(c, [], `GPT-3.5 row ${i}`);
});

test('leak and echo thresholds: 8-word runs within a sentence', () => {
  const reference = 'Soft organic cotton tee with a relaxed fit and a ribbed crew neck.';
  const seven = checkDescription({ text: 'Ours is a soft organic cotton tee with a relaxed cut.', reference });
  assert.deepEqual(seven.flags, []);
  const eight = checkDescription({ text: 'Ours is a soft organic cotton tee with a relaxed fit, truly.', reference });
  const [flag] = eight.flags;
  assert.equal(flag?.code, 'REFERENCE_LEAK');
  const text = 'Ours is a soft organic cotton tee with a relaxed fit, truly.';
  const leak = must(flag.span, 'the leaked span');
  assert.equal(text.slice(leak.start, leak.end), 'soft organic cotton tee with a relaxed fit');
  const split = checkDescription({
    text: 'Soft organic cotton tee. With a relaxed fit and a ribbed crew neck',
    reference: 'Soft organic cotton tee with a relaxed fit',
  });
  assert.deepEqual(split.flags, []);
  const echo = checkDescription({
    text: 'Describe the jacket in three sentences. It is warm.',
    prompt: 'Describe the jacket in three sentences.',
  });
  assert.deepEqual(
    echo.flags.map((f) => f.code),
    ['PROMPT_ECHO'],
  );
});

test('restating the facts a prompt lists after "Label:" is not an echo; repeating its instructions is', () => {
  const prompt =
    'Write a creative product description for the following product: Striped Jersey T-shirt Dress.\nAttributes: boat neck, breton stripe\nMaterials: 100% recycled polyester satin\nDescription:';
  const facts = checkDescription({
    text: 'The Striped Jersey T-shirt Dress is made of 100% recycled polyester satin.',
    prompt,
  });
  assert.deepEqual(facts.flags, []);
  const instruction = checkDescription({
    text: 'Write a creative product description for the following product. Here it is.',
    prompt,
  });
  assert.deepEqual(
    instruction.flags.map((f) => f.code),
    ['PROMPT_ECHO'],
  );
  // A long verbatim run of the listed facts still is one.
  const listing = `${prompt}\nDetails: boat neck, breton stripe, long sleeves, relaxed fit, side slits`;
  const long = checkDescription({
    text: 'It has a boat neck, breton stripe, long sleeves, relaxed fit, side slits.',
    prompt: listing,
  });
  assert.deepEqual(
    long.flags.map((f) => f.code),
    ['PROMPT_ECHO'],
  );
});

test('attribute coverage uses stems and needs every content word of a multi-word attribute', () => {
  const text = 'A pleated skirt in navy, cut from recycled wool with deep pockets.';
  assert.equal(attributeCoverage(text, ['pleats', 'navy blue', 'wool', 'pocket']), 3 / 4);
  assert.equal(attributeCoverage(text, ['Recycled Wool', 'of the deep']), 1);
  assert.equal(attributeCoverage(text, []), null);
  assert.equal(checkDescription({ text }).attributeCoverage, null);
  assert.equal(checkDescription({ text, attributes: ['linen'] }).attributeCoverage, 0);
});
