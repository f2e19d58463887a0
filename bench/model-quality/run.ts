/**
 * Description quality of the bundled demo model on the 24 held-out products
 * (catalog split "test"), beside a template baseline that fills the facts
 * into one fixed sentence. Scores are the project's metrics (scorePair:
 * BLEU, ROUGE-1/2/L, METEOR) against the human reference, averaged over
 * products; plus how often the text names a title or attribute word, and
 * whether any 8-word run is copied from a training description.
 *
 *   npm run bench:model-quality            writes docs/benchmarks.md (section model-quality)
 *   node dist/bench/model-quality/run.js --no-write [--model-dir DIR] [--temperature T] [--top-p P]
 *        [--repetition-penalty R] [--prompt-copy-bias B] [--no-lexicon] [--no-fact-words] [--no-novelty] [--no-fact-numbers] [--no-word-window] [--no-frame]
 *        [--no-fact-grammar] [--no-number-words] [--samples N]
 *        prints only (for choosing decoding defaults)
 */
import { parseArgs } from 'node:util';
import { bundledModelDir, createOnnxProvider } from '../../providers/onnx/index.js';
import type { DecodingDefaults } from '../../providers/onnx/generation-params.js';
import { lexiconFrom, loadLexicon } from '../../providers/onnx-plugins/stylesprint/lexicon.js';
import { readModelFolder, type JsonObject } from '../../providers/onnx/model-folder.js';
import { PLUGIN_FIELD, PLUGIN_OPTIONS_FIELD } from '../../providers/onnx/plugins.js';
import { loadTokenizer } from '../../providers/onnx/tokenizer.js';
import {
  createStylesprintFacts,
  readSettings,
  STYLESPRINT_FACTS,
  type StylesprintSettings,
} from '../../providers/onnx-plugins/stylesprint/index.js';
import type { GenerationRequest, ProductFacts } from '../../providers/types.js';
import { scorePair, type MetricName } from '../../src/evaluation/metrics/index.js';
import { writeSection } from '../report.js';
import {
  factsStated,
  factWordsOf,
  followsPatterns,
  foreignFactWords,
  mentionsProduct,
  ngrams,
  offFrameWords,
  otherNumberWords,
  repeatedWords,
  statesTitle,
  templateDescription,
  letterWords,
  unknownWords,
  words,
} from './held-out.js';
import { defaultWordNet } from '../../src/evaluation/metrics/wordnet.js';
import { catalogFacts, readCatalogEntries, type CatalogEntry } from '../../src/seed.js';
import { checkLeakage } from '../../src/evaluation/checks/leakage.js';
import { numbersOf } from '../../providers/onnx-plugins/stylesprint/numbers.js';
import { productCopySource } from '../../providers/onnx-plugins/stylesprint/prompt-copy.js';
import { promptsFor } from './prompt.js';

const { values: args } = parseArgs({
  options: {
    'no-write': { type: 'boolean', default: false },
    'model-dir': { type: 'string' },
    temperature: { type: 'string' },
    'top-p': { type: 'string' },
    'repetition-penalty': { type: 'string' },
    'prompt-copy-bias': { type: 'string' },
    'no-lexicon': { type: 'boolean', default: false },
    'no-fact-words': { type: 'boolean', default: false },
    'no-novelty': { type: 'boolean', default: false },
    'no-fact-numbers': { type: 'boolean', default: false },
    'no-word-window': { type: 'boolean', default: false },
    'no-frame': { type: 'boolean', default: false },
    'no-fact-grammar': { type: 'boolean', default: false },
    'no-number-words': { type: 'boolean', default: false },
    samples: { type: 'string', default: '10' },
  },
});
const quiet = { info: (): void => {}, warn: (): void => {} };
const catalog = readCatalogEntries();
const heldOut = catalog.filter((p) => p.split === 'test');
const trainGrams = new Set(catalog.filter((p) => p.split === 'train').flatMap((p) => ngrams(p.description, 8)));
// A dictionary independent of the model's lexicon: WordNet (with its inflection rules) and every word of the catalog's human text.
const catalogWords = new Set(
  catalog.flatMap((p) => {
    const f = catalogFacts(p);
    return letterWords(
      [p.description, f.title, ...f.attributes, ...(f.colors ?? []), ...(f.materials ?? [])].join(' '),
    );
  }),
);
// Material and colour words (the same rule as the bundled lexicon's fact_words, computed here from the catalog).
const factWords = factWordsOf(
  catalog.filter((p) => p.split === 'train').map((p) => ({ facts: catalogFacts(p), description: p.description })),
);
// The model under test, and the settings of its stylesprint-facts plugin (none for a model that does not name it).
const modelDir = args['model-dir'] ?? bundledModelDir;
const folder = readModelFolder(modelDir);
// The template the model folder names (the one it was trained on), as the gateway sends it.
const modelPrompt = promptsFor(modelDir);
const pluginOptions =
  folder.generationConfig[PLUGIN_FIELD] === STYLESPRINT_FACTS
    ? ((folder.generationConfig[PLUGIN_OPTIONS_FIELD] as JsonObject | undefined) ?? {})
    : {};
const modelSettings = readSettings({ folder, tokenizer: loadTokenizer(folder), options: pluginOptions });
// The model's own fact-sentence patterns' words (its lexicon's frame_words), to see what else the fact sentences hold; a model without them gets no frame check.
const frameWords = modelSettings.lexicon?.frame?.words ?? null;
// The model's own fact patterns: a model without them gets no pattern check, as another model's patterns are not what it was trained on.
const patterns = modelSettings.factPatterns;
// The number words to check the texts against: the model's, else the bundled model's.
const numberWords =
  modelSettings.lexicon?.numberWords ?? loadLexicon(bundledModelDir, 'lexicon.json')?.numberWords ?? null;
const wordnet = defaultWordNet();
const known = (w: string): boolean => catalogWords.has(w) || wordnet.lemmaNames(w).size > 0;

interface Row {
  name: string;
  texts: string[];
}

type Summary = Record<
  | MetricName
  | 'mentions'
  | 'chance'
  | 'copied'
  | 'words'
  | 'nonWordTexts'
  | 'nonWords'
  | 'wrongNumbers'
  | 'wrongNumberTexts'
  | 'foreignFacts'
  | 'foreignFactTexts'
  | 'repeatTexts'
  | 'offFrame'
  | 'offFrameTexts'
  | 'patternTexts'
  | 'otherNumber'
  | 'otherNumberTexts'
  | 'title'
  | 'facts'
  | 'echo',
  number
>;

/** Each text with its held-out product's facts and the next product's (a row holds one text per product, in order). */
function withProducts(
  texts: readonly string[],
): Array<{ text: string; product: CatalogEntry; facts: ProductFacts; next: ProductFacts }> {
  if (texts.length !== heldOut.length) throw new Error(`${texts.length} texts for ${heldOut.length} held-out products`);
  return texts.map((text, i) => {
    const product = heldOutAt(i);
    return { text, product, facts: catalogFacts(product), next: catalogFacts(heldOutAt((i + 1) % heldOut.length)) };
  });
}

function heldOutAt(i: number): CatalogEntry {
  const product = heldOut[i];
  if (!product) throw new Error(`no held-out product ${i} of ${heldOut.length}`);
  return product;
}

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

function summarise(row: Row): Summary {
  const items = withProducts(row.texts);
  const n = items.length;
  const scores = items.map(({ text, product }) => scorePair(product.description, text));
  const metric = (m: MetricName): number => sum(scores.map((s) => s[m] ?? 0)) / n;
  const unknown = items.map(({ text }) => unknownWords(text, known));
  // Numbers (digit runs) the text writes that none of the product's facts has.
  const wrong = items.map(({ text, facts }) => {
    const own = new Set(numbersOf(productCopySource(facts)));
    return numbersOf(text).filter((x) => !own.has(x)).length;
  });
  const foreign = items.map(({ text, facts }) => foreignFactWords(text, facts, factWords).length);
  const offFrame = items.map(({ text, facts }) => (frameWords ? offFrameWords(text, facts, frameWords, 2) : []));
  const number = items.map(({ text, facts }) =>
    numberWords ? otherNumberWords(text, facts, numberWords).length : NaN,
  );
  const stated = items.map(({ text, facts }) => factsStated(text, facts));
  return {
    bleu: metric('bleu'),
    rouge1: metric('rouge1'),
    rouge2: metric('rouge2'),
    rougeL: metric('rougeL'),
    meteor: metric('meteor'),
    mentions: items.filter(({ text, facts }) => mentionsProduct(text, facts)).length / n,
    // Chance level: the same check against the next held-out product's words.
    chance: items.filter(({ text, next }) => mentionsProduct(text, next)).length / n,
    copied: items.filter(({ text }) => ngrams(text, 8).some((g) => trainGrams.has(g))).length,
    words: sum(items.map(({ text }) => words(text).length)) / n,
    nonWordTexts: unknown.filter((u) => u.length > 0).length,
    nonWords: sum(unknown.map((u) => u.length)),
    wrongNumbers: sum(wrong),
    wrongNumberTexts: wrong.filter((x) => x > 0).length,
    foreignFacts: sum(foreign),
    foreignFactTexts: foreign.filter((x) => x > 0).length,
    repeatTexts: items.filter(({ text }) => repeatedWords(text, 1).length > 0).length,
    offFrame: frameWords ? sum(offFrame.map((w) => w.length)) : NaN,
    offFrameTexts: offFrame.filter((w) => w.length > 0).length,
    patternTexts: patterns
      ? items.filter(({ text, facts }) => followsPatterns(text, facts, patterns) === true).length
      : NaN,
    otherNumber: sum(number),
    otherNumberTexts: number.filter((x) => x > 0).length,
    title: items.filter(({ text, facts }) => statesTitle(text, facts)).length / n,
    facts: sum(stated.map((f) => f.stated)) / Math.max(1, sum(stated.map((f) => f.listed))),
    // The gateway's own PROMPT_ECHO check (src/evaluation/checks/leakage.ts), against each product's prompt as the model got it.
    echo: items.filter(({ text, facts }) => checkLeakage(text, { prompt: modelPrompt(facts).prompt }).length > 0)
      .length,
  };
}

async function modelTexts(greedy: boolean): Promise<string[]> {
  const decoding: Partial<DecodingDefaults> = {};
  if (args.temperature) decoding.temperature = Number(args.temperature);
  if (args['top-p']) decoding.topP = Number(args['top-p']);
  if (args['repetition-penalty']) decoding.repetitionPenalty = Number(args['repetition-penalty']);
  // The plugin's rules, one or another left out.
  const rules: Partial<StylesprintSettings> = {};
  if (args['prompt-copy-bias']) rules.promptCopyBias = Number(args['prompt-copy-bias']);
  if (args['no-lexicon']) {
    rules.lexicon = null;
    // The word-repeat window and the frame work on the lexicon's words.
    rules.noRepeatWordWindow = 0;
    rules.frameSentences = 0;
  } else if (args['no-fact-words']) {
    // The model's lexicon with its fact words back among the words every row may write.
    const lexicon = modelSettings.lexicon;
    if (lexicon)
      rules.lexicon = {
        ...lexiconFrom([...lexicon.words, ...lexicon.factWords], [], lexicon.frame ? [...lexicon.frame.words] : null),
        numberWords: lexicon.numberWords ?? null,
      };
  }
  if (args['no-novelty']) rules.blockedNgrams = null;
  if (args['no-fact-numbers']) rules.factNumbersOnly = false;
  if (args['no-word-window']) rules.noRepeatWordWindow = 0;
  if (args['no-frame']) rules.frameSentences = 0;
  if (args['no-fact-grammar']) rules.factPatterns = null;
  if (args['no-number-words'] && !args['no-lexicon']) {
    const lexicon = rules.lexicon ?? modelSettings.lexicon;
    if (lexicon) rules.lexicon = { ...lexicon, numberWords: null };
  }
  const plugins = {
    [STYLESPRINT_FACTS]: (setup: Parameters<typeof createStylesprintFacts>[0]) => createStylesprintFacts(setup, rules),
  };
  const p = await createOnnxProvider({ executionProvider: 'cpu', logger: quiet, decoding, plugins, modelDir });
  try {
    const reqs: GenerationRequest[] = heldOut.map((prod, i) => ({
      ...modelPrompt(catalogFacts(prod)),
      // The same fixed seeds as test/unit/providers/onnx/bundled-model.test.ts.
      seed: 1000 + i,
      ...(greedy ? { temperature: 0 } : {}),
    }));
    return (await p.generate(reqs)).map((r) => (r instanceof Error ? '' : r.text));
  } finally {
    await p.close();
  }
}

const rows: Row[] = [
  { name: 'template baseline', texts: heldOut.map((p) => templateDescription(catalogFacts(p))) },
  { name: 'stylesprint-desc, default sampling (seeds 1000+i)', texts: await modelTexts(false) },
  { name: 'stylesprint-desc, greedy', texts: await modelTexts(true) },
];
const [base, ...others] = rows.map(summarise);
if (!base) throw new Error('no rows to summarise');
const stats = [base, ...others];
const fmt = (x: number) => x.toFixed(3);
const header =
  "| system | BLEU | ROUGE-1 | ROUGE-2 | ROUGE-L | METEOR | states the whole title | facts stated word for word | names a title/attribute word (of the next product: chance) | PROMPT_ECHO flags | copies an 8-word training run | words in no dictionary (texts with one) | numbers not in the facts (texts with one) | another product's material or colour word (texts with one) | a word written twice in a row (texts) | fact-sentence words neither the product's nor the patterns' (texts with one) | opens with whole fact sentences of the trained patterns (texts) | the other number's words, \"it\" for jeans (texts with one) | mean words |";
const lines = [header, '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|'];
rows.forEach((r, i) => {
  const s = stats[i];
  if (!s) throw new Error(`no summary of row ${i}`);
  const cell = (m: keyof Summary) =>
    i === 0 ? fmt(s[m]) : `${fmt(s[m])} (${base[m] >= 1e-3 ? `${(s[m] / base[m]).toFixed(2)}×` : 'n/a'})`;
  lines.push(
    `| ${r.name} | ${cell('bleu')} | ${cell('rouge1')} | ${cell('rouge2')} | ${cell('rougeL')} | ${cell('meteor')} | ${(s.title * 100).toFixed(0)}% | ${(s.facts * 100).toFixed(0)}% | ${(s.mentions * 100).toFixed(0)}% (${(s.chance * 100).toFixed(0)}%) | ${s.echo}/${r.texts.length} | ${s.copied}/${r.texts.length} | ${s.nonWords} (${s.nonWordTexts}/${r.texts.length}) | ${s.wrongNumbers} (${s.wrongNumberTexts}/${r.texts.length}) | ${s.foreignFacts} (${s.foreignFactTexts}/${r.texts.length}) | ${s.repeatTexts}/${r.texts.length} | ${i === 0 ? '— (its own sentence)' : Number.isNaN(s.offFrame) ? '— (no frame words)' : `${s.offFrame} (${s.offFrameTexts}/${r.texts.length})`} | ${i === 0 ? '— (its own sentence)' : Number.isNaN(s.patternTexts) ? '— (no patterns file)' : `${s.patternTexts}/${r.texts.length}`} | ${s.otherNumber} (${s.otherNumberTexts}/${r.texts.length}) | ${s.words.toFixed(1)} |`,
  );
});
const table = lines.join('\n');
console.log(table);
const samples = Number(args.samples);
const [, sampled, greedy] = rows;
if (!sampled || !greedy) throw new Error('the sampled and greedy rows are missing');
// summarise checked that each row holds one text per held-out product.
for (const [i, product] of heldOut.slice(0, samples).entries()) {
  console.log(
    `\n${product.title} [${product.sku}]\n  sampled: ${sampled.texts[i] ?? ''}\n  greedy:  ${greedy.texts[i] ?? ''}`,
  );
}
if (!args['no-write']) {
  writeSection(
    'model-quality',
    'Bundled demo model vs a template baseline (held-out products)',
    `Command: \`npm run bench:model-quality\` (bench/model-quality/run.ts). The ${heldOut.length} held-out products of catalog/products.json (split "test"), scored against their human references with \`scorePair\` (mean over products); ratios are against the template baseline measured in the same run ("The {title} is a {category} piece: {attributes}, in {colors}, made of {materials}.").\n\n${table}\n\nThe model decodes with its generation_config.json, whose plugin (stylesprint-facts, providers/onnx-plugins/stylesprint/) turns on the fact grammar (fact_patterns_file), copy bias (prompt_copy_bias), word lexicon (lexicon_file, with its fact words and number words), number rule (fact_numbers_only), word-repeat window (no_repeat_word_window) and fact-sentence frame (frame_sentences); "another product's material or colour word" counts the words of the training products' materials and colours that the catalog's writers use only for products that have them ("merino", "navy"; the rule of the lexicon's fact_words, computed here from the catalog) where the product's own facts lack them; "a word written twice in a row" counts texts that write any word again as the next word ("washed washed", "and and"; not "wear after wear"); "fact-sentence words neither the product's nor the patterns'" counts, in the first two sentences, the words that are neither the product's own nor those of the fact-sentence patterns the model was trained on (the lexicon's frame_words); "opens with whole fact sentences of the trained patterns" checks each text against the patterns filled with the product's facts (the fact grammar's rule), and "the other number's words" counts the lexicon's number words of the other grammatical number than the title's ("it" for jeans); "words in no dictionary" counts words found neither in WordNet nor anywhere in the catalog's human text, a check independent of that lexicon. The template states every fact and scores on word overlap alone; the model states nearly all facts in two sentences of its trained patterns (a feature list after a colon, then its materials and colours), then closes with one or two whole sentences on wearing and care, written for the occasion its attributes name or else for its category, which share fewer words with the human references than the earlier models' closing passages, stitched from the catalog's descriptions, did. See models/stylesprint-desc/README.md for samples, limits and the numbers without each aid.`,
  );
}
