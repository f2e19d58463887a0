import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  checkFacts,
  compileFactVocabulary,
  defaultFactVocabulary,
  loadFactVocabulary,
  VOCABULARY_FILES,
} from '../../../../src/evaluation/checks/facts/index.js';
import { product } from './helpers.js';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const folder = (files: Record<string, string>): string => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fact-vocab-'));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
  return dir;
};

test('the bundled vocabulary files are valid and compile', () => {
  const v = defaultFactVocabulary();
  assert.ok(v.materials.size > 50);
  assert.ok(v.kinds.length > 30);
  assert.deepEqual(Object.keys(VOCABULARY_FILES).sort(), [
    'audience.json',
    'claims.json',
    'colours.json',
    'details.json',
    'garments.json',
    'languages.json',
    'materials.json',
    'sizes.json',
  ]);
});

test('a brand folder replaces the bundled files it holds and keeps the others', () => {
  const dir = folder({
    'materials.json': JSON.stringify({
      version: 1,
      materials: [
        { name: 'seacell', terms: ['seacell'] },
        { name: 'cotton', terms: ['cotton'] },
      ],
    }),
  });
  const vocabulary = loadFactVocabulary(dir);
  const tee = product('SS-TOP-001'); // organic cotton; white, black, heather grey, olive
  const text = 'A SeaCell tee in ruby red.';
  const codes = checkFacts(text, tee, { vocabulary }).findings.map((f) => [f.code, text.slice(f.start, f.end)]);
  assert.deepEqual(codes, [
    ['MATERIAL_NOT_IN_RECORD', 'SeaCell'],
    ['COLOUR_NOT_OFFERED', 'ruby red'],
  ]);
  // The bundled file does not know SeaCell.
  assert.deepEqual(
    checkFacts(text, tee).findings.map((f) => f.code),
    ['COLOUR_NOT_OFFERED'],
  );
});

test('an invalid vocabulary is refused with the file and the field', () => {
  assert.throws(
    () => loadFactVocabulary(folder({ 'colours.json': '{"version": 1, "base": []}' })),
    (e: unknown) => e instanceof TypeError && /colours\.json: base: /.test(e.message),
  );
  assert.throws(
    () => loadFactVocabulary(folder({ 'claims.json': '{ not json' })),
    (e: unknown) => e instanceof TypeError && /claims\.json: /.test(e.message),
  );
  assert.throws(
    () => loadFactVocabulary(folder({ 'sizes.json': '{"version": 2, "letter": {"order": ["S"]}}' })),
    /sizes\.json: version: /,
  );
  assert.throws(() => loadFactVocabulary(path.join(tmpdir(), 'no-such-vocabulary-folder')), /does not exist/);
  assert.throws(
    () =>
      compileFactVocabulary({
        'materials.json': { version: 1, materials: [{ name: 'merino', terms: ['merino'], broader: ['wool'] }] },
      }),
    /"merino" is a kind of unknown material "wool"/,
  );
  assert.throws(
    () =>
      compileFactVocabulary({
        'materials.json': {
          version: 1,
          materials: [
            { name: 'a', terms: ['a'] },
            { name: 'a', terms: ['b'] },
          ],
        },
      }),
    /duplicate material "a"/,
  );
  assert.throws(
    () =>
      compileFactVocabulary({
        'colours.json': { version: 1, base: ['red'], colours: [{ name: 'teal', terms: ['teal'], family: ['blue'] }] },
      }),
    /colour "teal" has family "blue", which is not in base/,
  );
  assert.throws(
    () => compileFactVocabulary({ 'claims.json': { version: 1, groups: { care: [{ terms: ['* wash'] }] } } }),
    /claims\.json: phrase "\* wash" must start with a word/,
  );
  assert.throws(
    () =>
      compileFactVocabulary({
        'claims.json': { version: 1, groups: { care: [{ terms: ['wash'], supportedBy: ['made in {Cap}'] }] } },
      }),
    /supportedBy phrases are literal/,
  );
  assert.throws(
    () => compileFactVocabulary({ 'claims.json': { version: 1, groups: { cleaning: [{ terms: ['wash'] }] } } }),
    /claims\.json: groups: .*"cleaning"/,
  );
});
