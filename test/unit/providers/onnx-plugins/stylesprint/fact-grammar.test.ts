import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  FactGrammar,
  isPluralTitle,
  loadFactPatterns,
  parseFactPatterns,
  type FactPatterns,
} from '../../../../../providers/onnx-plugins/stylesprint/fact-grammar.js';
import { FactSentences } from '../../../../../providers/onnx-plugins/stylesprint/fact-sentences.js';
import { ModelFolderError, readModelFolder } from '../../../../../providers/onnx/model-folder.js';
import { loadTokenizer, tokenText } from '../../../../../providers/onnx/tokenizer.js';
import { bundledModelDir } from '../../../../../providers/onnx/index.js';
import { constrainRow, type RuleRow } from '../../../../../providers/onnx-plugins/stylesprint/rules.js';
import { createRng } from '../../../../../providers/onnx/sampling.js';
import type { ProductFacts } from '../../../../../providers/types.js';
import {
  PromptCopy,
  productCopySource,
  wordPieces,
} from '../../../../../providers/onnx-plugins/stylesprint/prompt-copy.js';
import { tempDir } from '../../../../helpers/temp-dir.js';
import { must } from '../../../../helpers/must.js';

const patterns: FactPatterns = parseFactPatterns(
  {
    sentences: [
      [
        { singular: 'Meet the {t}: {all}.', plural: 'Meet the {t}: {all}.' },
        { singular: 'The {t} is {a0} and {a1}, with {rest}.', plural: 'The {t} are {a0} and {a1}, with {rest}.' },
      ],
      [
        { singular: 'It is made of {m} and comes in {c}.', plural: 'They are made of {m} and come in {c}.' },
        { singular: 'It comes in {c}.', plural: 'They come in {c}.' },
      ],
    ],
  },
  'test',
);

const noRules = { outputNoRepeatNgramSize: 0, blockedNgrams: null, frameSentences: 0, noRepeatWordWindow: 0 };

const dress: ProductFacts = {
  id: 'd',
  title: 'Wrap Dress',
  attributes: ['summer', 'wrap front', 'midi length'],
  colors: ['sage', 'sand'],
  materials: ['100% linen'],
};

function grammarOf(facts: ProductFacts): FactGrammar {
  const g = FactGrammar.create(patterns, facts);
  assert.ok(g);
  return g;
}

/** Whether `text` is exactly the pattern sentences (each after one space). */
function whole(g: FactGrammar, text: string): boolean {
  return g.matchLength(text) === text.length;
}

test('pattern files: slots are checked, and a bad file is a ModelFolderError that names the problem', () => {
  const bad = (sentences: unknown, message: RegExp) =>
    assert.throws(
      () => parseFactPatterns({ sentences }, 'f.json'),
      (e: unknown) => e instanceof ModelFolderError && message.test(e.message),
    );
  bad([], /"sentences" must be a non-empty list/);
  bad([[]], /sentences\[0\] must be a non-empty list/);
  bad([['x']], /sentences\[0\]\[0\] must be an object/);
  bad([[{ singular: 'A {size}.', plural: 'A {t}.' }]], /unknown slot \{size\}/);
  bad([[{ singular: 'A {a0}{a1}.', plural: 'A {t}.' }]], /two slots need text between them/);
  bad([[{ singular: 'A {t.', plural: 'A {t}.' }]], /unbalanced brace/);
  bad([[{ singular: 'Voilà {t}.', plural: 'A {t}.' }]], /must be ASCII/);
  bad([[{ singular: 'A {t}.' }]], /plural must be a non-empty string/);
  assert.throws(() => parseFactPatterns([], 'f.json'), /"sentences" must be a non-empty list/);
});

test('loadFactPatterns: none named is null; a missing file, a path or bad JSON fail with a clear message', (t) => {
  const dir = tempDir('patterns', t);
  assert.equal(loadFactPatterns(dir, ''), null);
  assert.throws(
    () => loadFactPatterns(dir, 'none.json'),
    /names fact_patterns_file "none.json", but .* does not exist/,
  );
  assert.throws(() => loadFactPatterns(dir, '../x.json'), /must be a file name in the model folder/);
  writeFileSync(path.join(dir, 'bad.json'), '{');
  assert.throws(() => loadFactPatterns(dir, 'bad.json'), /is not valid JSON/);
  writeFileSync(
    path.join(dir, 'p.json'),
    JSON.stringify({ sentences: [[{ singular: 'Meet the {t}.', plural: 'Meet the {t}.' }]] }),
  );
  assert.equal(loadFactPatterns(dir, 'p.json')?.sentences.length, 1);
});

test('plural titles: the last word ends in s but not ss, as the training targets decided', () => {
  assert.equal(isPluralTitle('Slim Black Jeans'), true);
  assert.equal(isPluralTitle('Chelsea Boots (Suede)'), false);
  assert.equal(isPluralTitle('Chelsea Boots'), true);
  assert.equal(isPluralTitle('Silk Dress'), false);
  assert.equal(isPluralTitle('Patterned Socks, 3 Pack'), false);
});

test('the grammar takes any pattern the facts can fill, any subset and order of items, each item once', () => {
  const g = grammarOf(dress);
  assert.ok(
    whole(
      g,
      ' Meet the Wrap Dress: summer, wrap front and midi length. It is made of 100% linen and comes in sage and sand.',
    ),
  );
  assert.ok(whole(g, ' Meet the Wrap Dress: midi length and summer. It comes in sand.'));
  assert.ok(whole(g, ' The Wrap Dress is summer and midi length, with wrap front. It comes in sage and sand.'));
  // Broken patterns, a repeated item, a list without "and", a colour in the attributes' place, a dropped title word.
  for (const text of [
    ' Meet the Wrap Dress: summer and summer. It comes in sage.',
    ' Meet the Wrap Dress: summer, midi length. It comes in sage.',
    ' Meet the Wrap Dress: sage. It comes in sage.',
    ' Meet the Dress: summer. It comes in sage.',
    ' Meet the Wrap Dress: summer. It is made of sage and comes in sand.',
    ' Meet the Wrap Dress: summer. They come in sage.',
    ' Meet the Wrap Dress: summer.It comes in sage.',
  ]) {
    assert.equal(g.matchLength(text), null, text);
  }
  // The text after the pattern sentences is free.
  assert.equal(
    g.matchLength(' Meet the Wrap Dress: summer. It comes in sage. Wear it all day.'),
    ' Meet the Wrap Dress: summer. It comes in sage.'.length,
  );
});

test('the plural form follows the title; a pattern the facts cannot fill, or a sentence none can, is left out', () => {
  const jeans = grammarOf({ id: 'j', title: 'Slim Jeans', attributes: ['slim fit', 'stretch'], colors: ['black'] });
  assert.ok(whole(jeans, ' Meet the Slim Jeans: stretch and slim fit. They come in black.'));
  // Two attributes cannot fill {a0}, {a1} and {rest}; no materials, no "made of".
  assert.equal(jeans.matchLength(' The Slim Jeans are slim fit and stretch, with slim fit. They come in black.'), null);
  assert.equal(jeans.matchLength(' Meet the Slim Jeans: stretch. They are made of black and come in black.'), null);
  // Neither colours nor materials: the grammar ends with the first sentence.
  const bare = grammarOf({ id: 'b', title: 'Tote', attributes: ['canvas'] });
  assert.equal(bare.matchLength(' Meet the Tote: canvas. Anything.'), ' Meet the Tote: canvas.'.length);
  // A fact that token text cannot spell (non-ASCII) leaves the row to the other rules.
  assert.equal(FactGrammar.create(patterns, { ...dress, colors: ['écru'] }), null);
  assert.equal(
    FactGrammar.create(patterns, { ...dress, attributes: [] })?.matchLength(' It comes in sage.'),
    ' It comes in sage.'.length,
  );
});

const tokenizer = loadTokenizer(readModelFolder(bundledModelDir));
const vocab = must(tokenizer.special.eos[0], "the bundled model's EOS id") + 1;

test('token by token, from random logits: every text the grammar lets through opens with whole pattern sentences', () => {
  const g = grammarOf(dress);
  for (let seed = 1; seed <= 30; seed++) {
    const rng = createRng(seed);
    const row = new FactSentences(g, tokenizer);
    let text = '';
    for (let step = 0; step < 80 && row.active; step++) {
      const logits = Float32Array.from({ length: vocab }, () => rng() * 10);
      const active = row.apply(logits, text);
      assert.equal(row.active, active);
      if (!active) break;
      let best = -1;
      let bestLogit = -Infinity;
      for (const [id, logit] of logits.entries())
        if (best < 0 || logit > bestLogit) {
          best = id;
          bestLogit = logit;
        }
      assert.ok(bestLogit > -Infinity, `seed ${seed}: the grammar left no token after ${JSON.stringify(text)}`);
      text += tokenText(tokenizer, best);
    }
    // It let go once the last sentence was written, and not before.
    const n = g.matchLength(text);
    assert.ok(n !== null, `seed ${seed}: ${JSON.stringify(text)}`);
    assert.equal(row.apply(new Float32Array(vocab), text), false);
  }
});

/** Every ordered list of distinct items of `items`, joined as the patterns join them ("a", "a and b", "a, b and c"). */
function lists(items: readonly string[]): string[] {
  const out: string[] = [];
  const grow = (chosen: string[]): void => {
    const last = chosen.at(-1);
    if (last !== undefined) out.push(chosen.length === 1 ? last : `${chosen.slice(0, -1).join(', ')} and ${last}`);
    for (const i of items) if (!chosen.includes(i)) grow([...chosen, i]);
  };
  grow([]);
  return out;
}

/** The dress's every valid opening under `patterns`, written out by brute force: the oracle for the trie walk. */
function dressOpenings(): string[] {
  const a = dress.attributes;
  const first = lists(a).map((l) => ` Meet the Wrap Dress: ${l}.`);
  for (const a0 of a)
    for (const a1 of a)
      if (a1 !== a0)
        for (const rest of lists(a.filter((x) => x !== a0 && x !== a1)))
          first.push(` The Wrap Dress is ${a0} and ${a1}, with ${rest}.`);
  const colours = lists(must(dress.colors, 'the dress colours'));
  const second = [
    ...colours.map((c) => ` It is made of 100% linen and comes in ${c}.`),
    ...colours.map((c) => ` It comes in ${c}.`),
  ];
  return first.flatMap((f) => second.map((s) => f + s));
}

test('apply bans exactly the tokens that would leave the grammar (checked against every valid opening, written out)', () => {
  const g = grammarOf(dress);
  const openings = dressOpenings();
  assert.equal(openings.length, (15 + 6) * 8);
  assert.ok(openings.every((o) => whole(g, o)));
  for (const prefix of [
    '',
    ' Meet the Wrap Dress: summer',
    ' The Wrap Dress is midi length and summer, with wrap front. It comes in sa',
  ]) {
    const row = new FactSentences(g, tokenizer);
    const logits = new Float32Array(vocab);
    assert.equal(row.apply(logits, prefix), true);
    let allowed = 0;
    for (const [id, logit] of logits.entries()) {
      const t = tokenText(tokenizer, id);
      const probe = prefix + t;
      // Allowed: the text stays the start of an opening, or completes one inside the token (the rest of it is free).
      const alive = t !== '' && !t.includes('\0') && openings.some((o) => o.startsWith(probe) || probe.startsWith(o));
      assert.equal(logit > -Infinity, alive, `after ${JSON.stringify(prefix)}: ${JSON.stringify(t)}`);
      if (alive) allowed++;
    }
    assert.ok(allowed > 0);
  }
});

test('constrainRow: when another rule bans every token the grammar allows, the grammar lets the row go', () => {
  const g = grammarOf(dress);
  const grammar = new FactSentences(g, tokenizer);
  const row: RuleRow = {
    tokens: [],
    padding: 0,
    promptLength: 0,
    copy: null,
    words: null,
    text: '',
    grammar,
    settings: noRules,
  };
  // Every token the grammar allows first (" Meet", " The", ...) is -Infinity in the model's logits; one other token is not.
  const logits = new Float32Array(vocab).fill(-Infinity);
  const other = must(tokenizer.encode(' Hello')[0], 'the first id of " Hello"');
  logits[other] = 1;
  constrainRow(logits, row);
  assert.equal(logits[other], 1);
  assert.equal(grammar.active, false);
  // While it holds, only its tokens stay.
  const held = new FactSentences(g, tokenizer);
  const l2 = new Float32Array(vocab);
  const candidates = constrainRow(l2, { ...row, grammar: held });
  assert.equal(held.active, true);
  assert.equal(l2[other], -Infinity);
  // It answers with those tokens, so that choosing one need not scan the vocabulary.
  const finite = [...l2.entries()].filter(([, logit]) => logit > -Infinity).map(([id]) => id);
  assert.ok(finite.length > 0);
  assert.deepEqual(
    [...(candidates ?? [])].sort((a, b) => a - b),
    finite,
  );
  // Without a grammar it does not know them.
  assert.equal(constrainRow(new Float32Array(vocab), { ...row, grammar: null }), null);
});

test("with a fact grammar the copy bias is off: the grammar spells the product's words, and the free text is not pulled back to them", () => {
  const g = grammarOf(dress);
  const own = productCopySource(dress);
  const ap = tokenizer.tokenToId('ap');
  assert.ok(ap !== undefined);
  const after = (text: string, grammar: FactSentences | null): number => {
    const logits = new Float32Array(vocab);
    const copy = new PromptCopy(own, wordPieces(tokenizer), 20);
    constrainRow(logits, {
      tokens: [],
      padding: 0,
      promptLength: 0,
      copy,
      words: null,
      text,
      grammar,
      settings: noRules,
    });
    return must(logits[ap], 'the logit of "ap"');
  };
  const free = ' Meet the Wrap Dress: summer. It comes in sage. Wear it over a wr';
  // No grammar at all (another model, or a product the grammar cannot hold): the bias spells "wrap" on.
  assert.equal(after(free, null), 20);
  // The grammar has written its sentences: no bias in the free text.
  assert.equal(after(free, new FactSentences(g, tokenizer)), 0);
  // While it holds, the grammar alone decides: "ap" is allowed (it spells the title on), unbiased.
  assert.equal(after(' Meet the Wr', new FactSentences(g, tokenizer)), 0);
});
