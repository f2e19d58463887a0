/**
 * The bundled demo model's decoding rules as one logits-processor plugin,
 * "stylesprint-facts", named by models/stylesprint-desc/generation_config.json:
 *
 * ```
 * "logits_processor_plugin": "stylesprint-facts",
 * "logits_processor_options": { "lexicon_file": "lexicon.json", ... }
 * ```
 *
 * A 1.16M-parameter model trained on one small catalog needs help that a
 * real model does not: a fact grammar for its opening sentences, a word
 * lexicon, the product's own numbers, a copy bias for its words, a ban on
 * reciting training text, and repeat bans (see each file). They read the
 * product from the request's context (the gateway's prompt parts, opaque to
 * the provider). The options, all off unless set:
 *
 * | option | what it does |
 * |---|---|
 * | output_no_repeat_ngram_size | no n-gram of the output twice (the prompt's words may be restated) |
 * | novelty_ngram_size | with novelty_ngrams.json in the folder, no listed n-gram is completed (novelty.ts) |
 * | prompt_copy_bias | a logit bonus for the tokens that finish a word of the product's facts (prompt-copy.ts) |
 * | lexicon_file | a word list: every word written is one of it or of the product's facts (lexicon.ts) |
 * | fact_numbers_only | every number written is one of the product's (numbers.ts) |
 * | no_repeat_word_window | with a lexicon: no word again within that many words (lexicon.ts) |
 * | frame_sentences | with a lexicon that has frame_words: the first sentences use only those (lexicon.ts) |
 * | fact_patterns_file | sentence patterns the first sentences follow, filled with the facts (fact-grammar.ts) |
 */
import type { LogitsProcessor, RowState } from '../../onnx/logits-processor.js';
import { ModelFolderError, numberField, type JsonObject } from '../../onnx/model-folder.js';
import type { LogitsProcessorPlugin, PluginRow, PluginSetup } from '../../onnx/plugins.js';
import type { TextTokenizer } from '../../onnx/tokenizer.js';
import type { ProductFacts } from '../../types.js';
import { FactGrammar, isPluralTitle, loadFactPatterns, type FactPatterns } from './fact-grammar.js';
import { FactSentences } from './fact-sentences.js';
import { lexiconForNumber, loadLexicon, prepareLexicon, WordConstraint, type Lexicon } from './lexicon.js';
import { loadBlockedNgrams } from './novelty.js';
import { NumberConstraint } from './numbers.js';
import { productCopySource, PromptCopy, wordPieces } from './prompt-copy.js';
import { constrainRow, sentenceEnds, type RuleRow, type StepSettings } from './rules.js';

/** The name a generation_config gives this plugin. */
export const STYLESPRINT_FACTS = 'stylesprint-facts';

/** The plugin's settings with their files read: what the options give, and what a caller may override. */
export interface StylesprintSettings extends StepSettings {
  promptCopyBias: number;
  lexicon: Lexicon | null;
  factNumbersOnly: boolean;
  factPatterns: FactPatterns | null;
}

/** Lexicon words this short are carried on by the copy bias only into a word of the title (see PromptCopy's keepWhole). */
const SHORT_WORD = 3;

const OPTIONS = [
  'output_no_repeat_ngram_size',
  'novelty_ngram_size',
  'prompt_copy_bias',
  'lexicon_file',
  'fact_numbers_only',
  'no_repeat_word_window',
  'frame_sentences',
  'fact_patterns_file',
] as const;

function count(options: JsonObject, key: string, where: string): number {
  const v = options[key];
  if (v === undefined) return 0;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
    throw new ModelFolderError(`${where}: ${key} must be a non-negative integer; got ${JSON.stringify(v)}`);
  return v;
}

function fileName(options: JsonObject, key: string, where: string): string {
  const v = options[key];
  if (v === undefined) return '';
  if (typeof v !== 'string')
    throw new ModelFolderError(`${where}: ${key} must be a file name; got ${JSON.stringify(v)}`);
  return v;
}

/** Reads the options and the files they name; `overrides` (tests, benches) win over both. */
export function readSettings(
  setup: Pick<PluginSetup, 'folder' | 'tokenizer' | 'options'>,
  overrides: Partial<StylesprintSettings> = {},
): StylesprintSettings {
  const { folder, tokenizer, options } = setup;
  const where = `${folder.name}: ${STYLESPRINT_FACTS}`;
  const unknown = Object.keys(options).filter((k) => !(OPTIONS as readonly string[]).includes(k));
  if (unknown.length)
    throw new ModelFolderError(`${where}: unknown option ${unknown.join(', ')} (options: ${OPTIONS.join(', ')})`);
  const flag = options.fact_numbers_only;
  if (flag !== undefined && typeof flag !== 'boolean')
    throw new ModelFolderError(`${where}: fact_numbers_only must be true or false`);
  const bias = numberField(options, 'prompt_copy_bias') ?? 0;
  if (options.prompt_copy_bias !== undefined && (typeof options.prompt_copy_bias !== 'number' || bias < 0))
    throw new ModelFolderError(`${where}: prompt_copy_bias must be a non-negative number`);
  // An explicit override (null included) wins over the folder's file, which is then not read.
  const read = <K extends keyof StylesprintSettings>(
    key: K,
    load: () => StylesprintSettings[K],
  ): StylesprintSettings[K] => (key in overrides ? (overrides[key] as StylesprintSettings[K]) : load());
  const settings: StylesprintSettings = {
    outputNoRepeatNgramSize: count(options, 'output_no_repeat_ngram_size', where),
    promptCopyBias: bias,
    factNumbersOnly: flag === true,
    noRepeatWordWindow: count(options, 'no_repeat_word_window', where),
    frameSentences: count(options, 'frame_sentences', where),
    blockedNgrams: read('blockedNgrams', () =>
      loadBlockedNgrams(folder.dir, count(options, 'novelty_ngram_size', where), tokenizer),
    ),
    lexicon: read('lexicon', () => loadLexicon(folder.dir, fileName(options, 'lexicon_file', where))),
    factPatterns: read('factPatterns', () =>
      loadFactPatterns(folder.dir, fileName(options, 'fact_patterns_file', where)),
    ),
  };
  Object.assign(settings, overrides);
  if (settings.noRepeatWordWindow && !settings.lexicon)
    throw new ModelFolderError(
      `${where}: no_repeat_word_window works on the words of lexicon_file, and this model has no lexicon`,
    );
  if (settings.frameSentences && !settings.lexicon?.frame)
    throw new ModelFolderError(`${where}: frame_sentences needs a lexicon_file with "frame_words"`);
  return settings;
}

/** The product a row's context carries (the gateway's prompt parts), or null when it carries none. */
function productOf(context: unknown): ProductFacts | null {
  const product = context && typeof context === 'object' ? (context as { product?: unknown }).product : undefined;
  if (!product || typeof product !== 'object') return null;
  const p = product as Partial<ProductFacts>;
  return typeof p.title === 'string' && Array.isArray(p.attributes) ? (product as ProductFacts) : null;
}

/** One row's rules as a processor: the rule objects, fed the row's tokens and text at every step. */
class RowRules implements LogitsProcessor {
  private readonly row: RuleRow;
  private readonly undo: number[] = [];
  /** How much of the row's text has been counted for sentence ends. */
  private counted = 0;

  constructor(rules: Omit<RuleRow, 'tokens' | 'padding' | 'promptLength' | 'text'>) {
    this.row = { ...rules, tokens: [], padding: 0, promptLength: 0, text: '' };
  }

  process(scores: Float32Array, state: RowState): readonly number[] | null {
    const row = this.row;
    row.tokens = state.tokens;
    row.padding = state.padding;
    row.promptLength = state.promptLength;
    row.text = state.text;
    if (row.sentences !== undefined) {
      row.sentences += sentenceEnds(state.text, this.counted);
      this.counted = state.text.length;
    }
    return constrainRow(scores, row, this.undo);
  }
}

/** The rule objects of one row, from its product (or, without one, from its prompt's text). */
function rowRules(settings: StylesprintSettings, tokenizer: TextTokenizer, row: PluginRow): LogitsProcessor | null {
  const product = productOf(row.context);
  const rules: Omit<RuleRow, 'tokens' | 'padding' | 'promptLength' | 'text'> = {
    settings,
    copy: null,
    words: null,
    numbers: null,
  };
  const grammar = settings.factPatterns && product ? FactGrammar.create(settings.factPatterns, product) : null;
  if (grammar) rules.grammar = new FactSentences(grammar, tokenizer);
  if (settings.promptCopyBias || settings.lexicon || settings.factNumbersOnly) {
    const own = product ? productCopySource(product) : tokenizer.decode(row.promptIds);
    const title = product?.title;
    if (settings.promptCopyBias) {
      const lexicon = settings.lexicon;
      // A short word of the lexicon ("of", "in") stays whole outside the title: the bias would otherwise carry it into a product word ("office").
      const keepWhole = lexicon ? (w: string) => w.length <= SHORT_WORD && lexicon.words.has(w) : undefined;
      rules.copy = new PromptCopy(own, wordPieces(tokenizer), settings.promptCopyBias, keepWhole);
    }
    if (settings.lexicon) {
      // A row of unknown number (no title) keeps every word.
      const lexicon = title === undefined ? settings.lexicon : lexiconForNumber(settings.lexicon, isPluralTitle(title));
      rules.words = new WordConstraint(lexicon, tokenizer, own, title);
      // The frame holds the first sentences of a row the grammar does not hold (the grammar is stricter); a row it lets go later keeps the whole lexicon.
      if (settings.lexicon.frame && settings.frameSentences && !grammar) {
        rules.frameWords = new WordConstraint(settings.lexicon.frame, tokenizer, own, title);
        rules.sentences = 0;
      }
    }
    if (settings.factNumbersOnly) rules.numbers = new NumberConstraint(tokenizer, own);
  }
  const any =
    rules.grammar ||
    rules.copy ||
    rules.words ||
    rules.numbers ||
    settings.blockedNgrams ||
    settings.outputNoRepeatNgramSize > 0;
  return any ? new RowRules(rules) : null;
}

/** The plugin; `overrides` replace settings the options give (benches compare the model without one rule or another). */
export function createStylesprintFacts(
  setup: PluginSetup,
  overrides: Partial<StylesprintSettings> = {},
): LogitsProcessorPlugin {
  const settings = readSettings(setup, overrides);
  const { tokenizer } = setup;
  return {
    prepare(vocabSize) {
      // The per-vocabulary tables, built at load rather than inside the first batch.
      if (settings.lexicon) prepareLexicon(settings.lexicon, tokenizer, vocabSize);
      if (settings.promptCopyBias) wordPieces(tokenizer).continuesWord(vocabSize);
    },
    forRow: (row) => rowRules(settings, tokenizer, row),
  };
}
