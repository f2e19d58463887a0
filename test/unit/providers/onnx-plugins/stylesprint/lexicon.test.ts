import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  lexiconForNumber,
  lexiconFrom,
  loadLexicon,
  parseLexicon,
  WordConstraint,
  wordsOf,
} from '../../../../../providers/onnx-plugins/stylesprint/lexicon.js';
import { ModelFolderError, readModelFolder } from '../../../../../providers/onnx/model-folder.js';
import { loadTokenizer } from '../../../../../providers/onnx/tokenizer.js';
import { bundledModelDir } from '../../../../../providers/onnx/index.js';
import { wordPieces } from '../../../../../providers/onnx-plugins/stylesprint/prompt-copy.js';
import { seededRandom } from '../../../../../providers/random.js';
import {
  constrainRow,
  type RuleRow,
  type StepSettings,
} from '../../../../../providers/onnx-plugins/stylesprint/rules.js';
import { fixtureDir, openFixture } from '../../onnx/onnx-test-helpers.js';
import { folderWithPlugin, pluginWith, settingsOf } from './plugin-helpers.js';
import { tempDir } from '../../../../helpers/temp-dir.js';
import { must } from '../../../../helpers/must.js';

const noRules: StepSettings = {
  outputNoRepeatNgramSize: 0,
  blockedNgrams: null,
  frameSentences: 0,
  noRepeatWordWindow: 0,
};

const tokenizer = loadTokenizer(readModelFolder(bundledModelDir));
const eos = must(tokenizer.special.eos[0], "the bundled model's EOS id");
const vocabSize = eos + 1;
/** The id of the first token `text` encodes to. */
const firstId = (text: string): number => must(tokenizer.encode(text)[0], `the first id of ${JSON.stringify(text)}`);
const lexicon = lexiconFrom(['a', 'linen', 'line', 'dress', 'summer', 'is', 'made', 'of', 'the', 'in', 'and']);
const own = 'Lambswool Roll Neck\nburgundy';

function constraint(): WordConstraint {
  return new WordConstraint(lexicon, tokenizer, own);
}

/** Whether `text` only uses words of the lexicon or of `own`, its last word possibly unfinished (a prefix of one). */
function valid(text: string, ended: boolean): boolean {
  const ownWords = new Set(wordsOf(own));
  const isWord = (w: string) => lexicon.words.has(w) || ownWords.has(w);
  const isPrefix = (w: string) => lexicon.prefixes.has(w) || [...ownWords].some((o) => o.startsWith(w));
  const endsInWord = /[A-Za-z]$/.test(text) && !ended;
  const words = wordsOf(text);
  return words.every((w, i) => (i === words.length - 1 && endsInWord ? isPrefix(w) : isWord(w)));
}

test('words are runs of a-z after lower-casing; digits, punctuation and non-ASCII end them', () => {
  assert.deepEqual(wordsOf('The T-shirt, 95% uv400 café'), ['the', 't', 'shirt', 'uv', 'caf']);
  assert.deepEqual(WordConstraint.partial(' the Lin'), 'lin');
  assert.deepEqual(WordConstraint.partial(' the Lin '), '');
  assert.deepEqual(WordConstraint.partial(' uv4'), '');
  assert.deepEqual(WordConstraint.partial(''), '');
});

test('every token the constraint allows keeps every word valid, and every token it bans would break one', () => {
  const rand = seededRandom(7);
  for (const output of [
    '',
    ' The',
    ' the lin',
    ' the line',
    ' the Lambs',
    ' the Lambswool',
    ' in burg',
    ' Made of',
    ' 95% ',
  ]) {
    const logits = Float32Array.from({ length: vocabSize }, () => rand());
    constraint().apply(logits, output);
    for (let id = 0; id < vocabSize; id++) {
      const ok =
        id === eos
          ? valid(output, true)
          : valid(output + tokenizer.decode([id]), false) &&
            !/[A-Za-z][A-Z]/.test(
              WordConstraint.partial(output) ? output.slice(-1) + tokenizer.decode([id]).slice(0, 1) : '',
            );
      const kept = Number.isFinite(logits[id]);
      if (kept && !ok) assert.fail(`${JSON.stringify(output)} + ${JSON.stringify(tokenizer.decode([id]))} was allowed`);
      // A ban may be stricter than validity only for a capital inside a word ("deniM").
      if (!kept && ok) {
        const piece = tokenizer.decode([id]);
        assert.ok(
          /[A-Za-z]$/.test(output) && /^[A-Za-z]*[A-Z]/.test(piece),
          `${JSON.stringify(output)} + ${JSON.stringify(piece)} was banned`,
        );
      }
    }
  }
});

test("the product's own words are allowed though the lexicon lacks them, and EOS only where a word may end", () => {
  const logits = new Float32Array(vocabSize);
  constraint().apply(logits, ' the Lambs');
  // The longest in-word token that starts "wool".
  const wool = ['wool', 'woo', 'wo', 'w'].map((p) => wordPieces(tokenizer).pieceId(p)).find((id) => id !== undefined);
  assert.ok(wool !== undefined && logits[wool] === 0, 'a piece of "wool" goes on with "Lambs"');
  assert.equal(logits[eos], -Infinity, 'no EOS inside "Lambs"');
  const after = new Float32Array(vocabSize);
  constraint().apply(after, ' the Lambswool');
  assert.equal(after[eos], 0, 'EOS after the whole word');
  // Without the product, the same word cannot be started: after " the L" only pieces towards "line"/"linen" remain.
  const am = must(
    ['amb', 'am', 'a'].map((p) => wordPieces(tokenizer).pieceId(p)).find((id) => id !== undefined),
    'a piece that starts "amb"',
  );
  const withOwn = new Float32Array(vocabSize);
  constraint().apply(withOwn, ' the L');
  assert.equal(withOwn[am], 0);
  const bare = new WordConstraint(lexicon, tokenizer, '');
  const none = new Float32Array(vocabSize);
  bare.apply(none, ' the L');
  assert.equal(none[am], -Infinity);
  assert.equal(none[must(wordPieces(tokenizer).pieceId('i'), 'the piece "i"')], 0);
});

test('when every allowed token is already banned by another rule, the logits are left alone (no stalled row)', () => {
  const logits = new Float32Array(vocabSize).fill(-Infinity);
  const open = firstId(' xyz');
  logits[open] = 1; // only a token the lexicon forbids is left
  constraint().apply(logits, ' the');
  assert.equal(logits[open], 1);
});

test('a repeat ban that would leave no allowed token is taken back, so the word in progress is finished', () => {
  const words = lexiconFrom(['tulle', 'and']);
  const [t, ul, le] = tokenizer.encode(' tulle') as [number, number, number];
  assert.equal(tokenizer.decode([t, ul, le]), ' tulle', 'three pieces');
  const and = firstId(' and');
  const l = must(wordPieces(tokenizer).pieceId('l'), 'the piece "l"');
  const promptIds = tokenizer.encode('Describe:');
  // " tulle and tul": "le" would repeat the 3-gram " t" "ul" "le", and it is the only way on.
  const row = (withWords: boolean): RuleRow => ({
    tokens: [...promptIds, t, ul, le, and, t, ul],
    padding: 0,
    promptLength: promptIds.length,
    copy: null,
    words: withWords ? new WordConstraint(words, tokenizer, '') : null,
    text: ' tulle and tul',
    settings: { ...noRules, outputNoRepeatNgramSize: 3 },
  });
  const only = (ids: Array<[number, number]>) => {
    const logits = new Float32Array(vocabSize).fill(-Infinity);
    for (const [id, v] of ids) logits[id] = v;
    return logits;
  };
  const stuck = only([[le, 2]]);
  constrainRow(stuck, row(true));
  assert.equal(stuck[le], 2, 'the ban is taken back: a repeated 3-gram beats a word that does not exist');
  assert.equal([...stuck].filter((x) => x > -Infinity).length, 1);
  // With another way on ("l" then "e"), the ban stands.
  const open = only([
    [le, 2],
    [l, 1],
  ]);
  constrainRow(open, row(true));
  assert.equal(open[le], -Infinity);
  assert.equal(open[l], 1);
  // Without a lexicon nothing is taken back.
  const bare = only([[le, 2]]);
  constrainRow(bare, row(false));
  assert.equal(bare[le], -Infinity);
});

test('lexicon files: a clear error for a bad file or name; no name, no constraint', (t) => {
  const dir = tempDir('lexicon', t);
  assert.equal(loadLexicon(dir, ''), null);
  assert.equal(loadLexicon(dir, undefined), null);
  assert.throws(() => loadLexicon(dir, '../lexicon.json'), ModelFolderError);
  assert.throws(() => loadLexicon(dir, 'missing.json'), /does not exist/);
  writeFileSync(path.join(dir, 'bad.json'), '{');
  assert.throws(() => loadLexicon(dir, 'bad.json'), /not valid JSON/);
  assert.throws(() => parseLexicon({ words: ['ok', 'Not'] }, 'x'), /lower-case letters/);
  assert.throws(() => parseLexicon({ words: [] }, 'x'), /empty/);
  assert.throws(() => parseLexicon({}, 'x'), /must be a list/);
  assert.throws(() => parseLexicon({ words: ['ok'], fact_words: 'linen' }, 'x'), /"fact_words" must be a list/);
  assert.throws(
    () => parseLexicon({ words: ['ok'], fact_words: ['Linen'] }, 'x'),
    /every word of "fact_words" must be lower-case letters/,
  );
  assert.throws(
    () => parseLexicon({ words: ['linen'], fact_words: ['linen'] }, 'x'),
    /empty once the fact words are taken out/,
  );
  writeFileSync(path.join(dir, 'good.json'), JSON.stringify({ words: ['linen', 'line'] }));
  const lex = loadLexicon(dir, 'good.json');
  assert.ok(lex && lex.words.has('line') && lex.prefixes.has('lin') && !lex.words.has('lin'));
  assert.ok(settingsOf({ lexicon_file: 'lexicon.json' }, bundledModelDir).lexicon?.words.has('linen'));
  assert.equal(settingsOf({}).lexicon, null);
  assert.throws(() => settingsOf({ lexicon_file: 7 }), /lexicon_file must be a file name; got 7/);
});

test('fact words: a row may write one only when its own product has it', () => {
  const lex = parseLexicon(
    { words: ['the', 'dress', 'is', 'in', 'and', 'linen', 'navy', 'line'], fact_words: ['linen', 'navy'] },
    'x',
  );
  assert.deepEqual([...lex.factWords].sort(), ['linen', 'navy']);
  assert.ok(!lex.words.has('linen') && lex.words.has('line') && lex.prefixes.has('line') && !lex.prefixes.has('linen'));
  // Greedy writing, with the logits pushing hard towards " linen" and " navy" after " the dress is in".
  const pushed = (own: string): Float32Array => {
    const logits = new Float32Array(vocabSize).fill(-5);
    for (const word of [' linen', ' navy']) for (const id of tokenizer.encode(word)) logits[id] = 5;
    new WordConstraint(lex, tokenizer, own).apply(logits, ' the dress is in');
    return logits;
  };
  const linenIds = tokenizer.encode(' linen');
  const ownLinen = pushed('Linen Dress\nnavy');
  const other = pushed('Wool Dress\nblack');
  // Its own product's words: allowed (the first piece of each, with finite logits).
  const linen = must(linenIds[0], 'the first piece of " linen"');
  const navy = firstId(' navy');
  assert.ok(Number.isFinite(ownLinen[linen]) && Number.isFinite(ownLinen[navy]));
  // Another product's: banned, whatever the logits wanted.
  if (linenIds.length === 1) assert.equal(other[linen], -Infinity);
  assert.equal(other[navy], -Infinity);
  // Inside the word: " lin" may go on to "line" (a shared word) but not to "linen" for the other product.
  const inWord = (text: string): Float32Array => {
    const logits = new Float32Array(vocabSize).fill(0);
    new WordConstraint(lex, tokenizer, text).apply(logits, ' the dress is in lin');
    return logits;
  };
  const en = firstId('en');
  const e = firstId('e');
  assert.equal(inWord('Wool Dress')[en], -Infinity);
  assert.ok(Number.isFinite(inWord('Wool Dress')[e]));
  assert.ok(Number.isFinite(inWord('Linen Dress')[en]));
});

test('no_repeat_word_window: a word of four letters or more is not written again within the window, however it is split', () => {
  const bundled = must(loadLexicon(bundledModelDir, 'lexicon.json'), "the bundled model's lexicon");
  const id = (piece: string): number => {
    const ids = tokenizer.encode(piece);
    assert.equal(ids.length, 1, `${JSON.stringify(piece)} is one token`);
    return must(ids[0], JSON.stringify(piece));
  };
  const bans = (output: string, own = 'Ribbed Top\nlayering', window = 2, title = ''): Float32Array => {
    const logits = new Float32Array(vocabSize);
    new WordConstraint(bundled, tokenizer, own, title).banRepeats(logits, output, window);
    return logits;
  };
  // One token: " layering" after "layering and"; not once the word is three words back, nor with a window of 0.
  assert.equal(bans(' adds layering and')[id(' layering')], -Infinity);
  assert.equal(bans(' adds layering and soft')[id(' layering')], 0);
  assert.equal(bans(' adds layering and soft', undefined, 3)[id(' layering')], -Infinity);
  assert.equal(bans(' adds layering and', undefined, 0)[id(' layering')], 0);
  // The word in progress counts as the latest once whole: " washed" right after "washed".
  assert.equal(bans(' denim and washed', 'Denim Shirt\nwashed')[id(' washed')], -Infinity);
  // Split into pieces: " ab" may still start "about"; "st" is banned once only "abstract" starts with "abst".
  const own = 'Abstract Print Shirt';
  assert.equal(bans(' for abstract at', own)[id(' ab')], 0);
  assert.equal(bans(' for abstract at ab', own)[id('st')], -Infinity);
  assert.equal(bans(' for abstract at the ab', own)[id('st')], 0, 'three words back');
  // A word that may go on into a longer one ("wash", "washed") is stopped where it would end, not before.
  const wash = bans(' wash and wash', 'Denim Shirt');
  assert.equal(wash[id('ed')], 0);
  assert.equal(wash[id(' the')], -Infinity);
  assert.equal(wash[id(',')], -Infinity);
  // A short word may come back two words on, never right after itself ("and and"); the title's words may come back (a title may follow its own word: "hand woven, the Woven Straw Bag").
  assert.equal(bans(' adds and layering')[id(' and')], 0);
  assert.equal(bans(' adds layering and')[id(' and')], -Infinity);
  assert.equal(bans(' for abstract at ab', own, 2, 'Abstract Print Shirt')[id('st')], 0);
});

test('no_repeat_word_window is read from the plugin options, and a model that sets it without a lexicon does not start', async () => {
  assert.equal(
    settingsOf({ no_repeat_word_window: 2, lexicon_file: 'lexicon.json' }, bundledModelDir).noRepeatWordWindow,
    2,
  );
  assert.equal(settingsOf({}).noRepeatWordWindow, 0);
  assert.throws(
    () => settingsOf({ no_repeat_word_window: -1 }),
    /no_repeat_word_window must be a non-negative integer; got -1/,
  );
  const folder = folderWithPlugin(fixtureDir('tiny-llama'), { no_repeat_word_window: 2 });
  try {
    await assert.rejects(
      openFixture('tiny-llama', { modelDir: folder.dir, plugins: pluginWith({}) }),
      /no_repeat_word_window works on the words of lexicon_file/,
    );
  } finally {
    folder.remove();
  }
});

test("frame_sentences: the first sentences use only the frame words and the product's own; then the whole lexicon", () => {
  const lex = parseLexicon(
    {
      words: ['the', 'dress', 'is', 'in', 'and', 'soft', 'wear', 'it', 'with', 'boots'],
      frame_words: ['the', 'is', 'and', 'with'],
    },
    'x',
  );
  assert.ok(lex.frame && lex.frame.words.has('with') && !lex.frame.words.has('soft'));
  const own = 'Linen Dress\nsummer';
  const words = new WordConstraint(lex, tokenizer, own);
  const frameWords = new WordConstraint(lex.frame, tokenizer, own);
  const id = (piece: string): number => {
    const ids = tokenizer.encode(piece);
    assert.equal(ids.length, 1, `${JSON.stringify(piece)} is one token`);
    return must(ids[0], JSON.stringify(piece));
  };
  const row = (text: string, sentences: number): RuleRow => ({
    tokens: [1],
    padding: 0,
    promptLength: 1,
    copy: null,
    words,
    frameWords,
    sentences,
    text,
    settings: { ...noRules, frameSentences: 1 },
  });
  const after = (text: string, sentences: number): Float32Array => {
    const logits = new Float32Array(vocabSize).fill(1);
    constrainRow(logits, row(text, sentences));
    return logits;
  };
  // In the first sentence: " soft" (a lexicon word, not a frame word) is out; " summer" (the product's) and " with" (the frame's) are in.
  const first = after(' The Linen Dress is', 0);
  assert.equal(first[id(' soft')], -Infinity);
  assert.ok(Number.isFinite(first[id(' summer')]) && Number.isFinite(first[id(' with')]));
  // Once a sentence has ended, the whole lexicon again.
  const second = after(' The Linen Dress is summer.', 1);
  assert.ok(Number.isFinite(second[id(' soft')]));
  // Errors: an empty frame; frame_sentences without frame_words is refused when the provider loads.
  assert.throws(() => parseLexicon({ words: ['ok'], frame_words: [] }, 'x'), /"frame_words" is empty/);
  assert.equal(settingsOf({ frame_sentences: 2, lexicon_file: 'lexicon.json' }, bundledModelDir).frameSentences, 2);
});

test('a model that sets frame_sentences without frame_words in its lexicon does not start', async (t) => {
  const dir = tempDir('frame', t);
  writeFileSync(path.join(dir, 'lexicon.json'), JSON.stringify({ words: ['the', 'dress'] }));
  const lexicon = must(loadLexicon(dir, 'lexicon.json'), 'the written lexicon');
  assert.equal(lexicon.frame, null);
  const folder = folderWithPlugin(fixtureDir('tiny-llama'), { frame_sentences: 1 });
  try {
    await assert.rejects(
      openFixture('tiny-llama', { modelDir: folder.dir, plugins: pluginWith({ lexicon }) }),
      /frame_sentences needs a lexicon_file with "frame_words"/,
    );
  } finally {
    folder.remove();
  }
});

test('number_words: a row writes the words of its title\'s number only ("it comes" for a dress, "they come" for jeans), however the model starts them', () => {
  const parsed = parseLexicon(
    {
      words: ['it', 'its', 'item', 'they', 'come', 'comes', 'in', 'wear'],
      number_words: { singular: ['it', 'its', 'comes'], plural: ['they', 'come'] },
    },
    'x',
  );
  assert.deepEqual([...must(parsed.numberWords, 'number_words').plural], ['they', 'come']);
  assert.throws(
    () => parseLexicon({ words: ['it'], number_words: { singular: ['it'], plural: ['it'] } }, 'x'),
    /lists "it" as both singular and plural/,
  );
  assert.throws(() => parseLexicon({ words: ['it'], number_words: ['it'] }, 'x'), /"number_words" must be an object/);
  assert.throws(
    () => parseLexicon({ words: ['it'], number_words: { singular: ['It'], plural: [] } }, 'x'),
    /number_words: every word of "singular"/,
  );
  const singular = lexiconForNumber(parsed, false);
  const plural = lexiconForNumber(parsed, true);
  assert.equal(lexiconForNumber(parsed, true), plural, 'memoised: rows of one number share their masks');
  assert.deepEqual([...singular.words].sort(), ['comes', 'in', 'it', 'item', 'its', 'wear']);
  assert.deepEqual([...plural.words].sort(), ['come', 'in', 'item', 'they', 'wear']);
  // "it" is not even a start of a word for a plural row: the model, meaning "it", wrote "Wear italy" when only "it" itself was banned.
  assert.equal(plural.prefixes.has('it'), false);
  assert.equal(plural.prefixes.has('ite'), true);
  const allowedAfter = (l: typeof parsed, text: string, piece: string): boolean => {
    const logits = new Float32Array(vocabSize);
    new WordConstraint(l, tokenizer, '').apply(logits, text);
    const id = tokenizer.tokenToId(piece.replace(/ /g, 'Ġ'));
    assert.ok(id !== undefined, piece);
    return must(logits[id], `the logit of ${JSON.stringify(piece)}`) > -Infinity;
  };
  assert.equal(allowedAfter(singular, 'Wear', ' it'), true);
  assert.equal(allowedAfter(plural, 'Wear', ' it'), false);
  assert.equal(allowedAfter(plural, 'Wear', ' they'), true);
  assert.equal(allowedAfter(singular, 'Wear', ' they'), false);
  // Without number words, the lexicon itself.
  assert.equal(lexiconForNumber(lexiconFrom(['it']), true).words.has('it'), true);
});
