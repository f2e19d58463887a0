/**
 * The fact check's vocabularies: JSON files a brand may edit (vocab/), each
 * validated with zod and compiled once into one phrase index. A brand's own
 * folder (FACT_CHECK_VOCAB_DIR) replaces the bundled files it holds, file by
 * file; the others stay bundled. Loading reads files; checking never does.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PhraseIndex, phraseWords } from './phrases.js';
import type { ClaimGroup } from './types.js';
import {
  BUNDLED_VOCABULARY,
  parseVocabularyFile,
  VOCABULARY_FILES,
  type ParsedVocabulary,
  type VocabularyFileName,
} from './vocabulary-files.js';

export { VOCABULARY_FILES, type VocabularyFileName } from './vocabulary-files.js';

export interface Material {
  readonly name: string;
  /** Its own name and every material it is a kind of, transitively. */
  readonly names: ReadonlySet<string>;
}
export interface Colour {
  readonly name: string;
  readonly family: readonly string[];
  readonly ambiguous: boolean;
  /** The last word of the name when it is a plain colour ("red" of "ruby red"). */
  readonly baseWord: string | null;
}
export interface Kind {
  readonly name: string;
  /** Stems of the nouns that name the kind and of the wider words that may refer to it. */
  readonly own: ReadonlySet<string>;
  /** Phrases that come with the kind, as if the record said them. */
  readonly implies: readonly string[];
}
export interface DetailGroup {
  readonly name: string;
  readonly onlyAgainstRecord: boolean;
}
export interface DetailTerm {
  readonly group: DetailGroup;
  /** Stem phrases of the term and its synonyms. */
  readonly forms: readonly string[];
  readonly label: string;
}
export interface Claim {
  readonly group: ClaimGroup;
  /** Literal stem phrases whose presence in the record supports the claim. */
  readonly supportedBy: readonly string[];
}
export type AudienceCue = 'adultOccasion' | 'female' | 'male' | 'child';

/** What a phrase of the index stands for. `except` entries win the overlap and are then dropped. */
export type Entry =
  | { readonly type: 'material'; readonly material: Material }
  | { readonly type: 'colour'; readonly colour: Colour }
  /** pluralOnly: the noun is written plural ("flats", "shorts"), so its singular ("flat", "short") is another word. */
  | { readonly type: 'kind'; readonly kind: Kind; readonly pluralOnly: boolean }
  | { readonly type: 'detail'; readonly group: DetailGroup; readonly term: DetailTerm | null }
  | { readonly type: 'claim'; readonly claim: Claim }
  | { readonly type: 'audience'; readonly cue: AudienceCue }
  | { readonly type: 'size'; readonly size: SizeWord }
  | { readonly type: 'referent'; readonly plural: boolean }
  | { readonly type: 'person' }
  | { readonly type: 'negation' }
  | { readonly type: 'cue'; readonly cue: 'whole' | 'colour-before' | 'colour-after' }
  | { readonly type: 'except'; readonly of: EntryType };
export type EntryType = Entry['type'];

export type SizeWord =
  | { readonly kind: 'letter'; readonly rank: number; readonly word: boolean }
  | { readonly kind: 'extended'; readonly name: string }
  | { readonly kind: 'one-size' }
  | { readonly kind: 'age'; readonly years: number };

export interface FactVocabulary {
  readonly index: PhraseIndex<Entry>;
  readonly materials: ReadonlyMap<string, Material>;
  readonly baseColours: ReadonlySet<string>;
  readonly kinds: readonly Kind[];
  readonly kindByCategory: ReadonlyMap<string, Kind>;
  /** Stems of every kind's nouns (not the wider words), for telling other garments. */
  readonly garmentNouns: ReadonlySet<string>;
  readonly detailGroups: ReadonlyMap<string, DetailGroup>;
  readonly letterSizes: readonly string[];
  /** Rank in letterSizes of each upper-case label and alias ("XL", "3XL"). */
  readonly letterRanks: ReadonlyMap<string, number>;
  /** Language codes, and for each word the bit set of the languages (by index in languageCodes) that list it. */
  readonly languageCodes: readonly string[];
  readonly languageWords: ReadonlyMap<string, number>;
  readonly language: { readonly minWords: number; readonly minHits: number; readonly margin: number };
}

const stems = (p: string): string => phraseWords(p).join(' ');

/** What each file's compiler adds to: the phrase index, and the file's name for errors. */
interface Compiling {
  add: (source: VocabularyFileName, phrase: string, entry: Entry) => void;
  where: (name: VocabularyFileName) => string;
}

/**
 * Validate and compile vocabulary files (parsed JSON by file name; a missing
 * file takes the bundled one).
 * @throws TypeError naming the file and the first invalid field or phrase.
 */
export function compileFactVocabulary(
  files: Partial<Record<VocabularyFileName, unknown>> = {},
  sources: Partial<Record<VocabularyFileName, string>> = {},
): FactVocabulary {
  const where = (name: VocabularyFileName): string => sources[name] ?? `vocab/${name}`;
  const read = <K extends VocabularyFileName>(name: K): ParsedVocabulary[K] =>
    parseVocabularyFile(name, files[name] ?? BUNDLED_VOCABULARY[name], where(name));
  // Every file is parsed before any is compiled, so a file that does not parse is reported first.
  const m = read('materials.json');
  const c = read('colours.json');
  const g = read('garments.json');
  const d = read('details.json');
  const cl = read('claims.json');
  const a = read('audience.json');
  const s = read('sizes.json');
  const l = read('languages.json');
  const index = new PhraseIndex<Entry>();
  const add = (source: VocabularyFileName, p: string, entry: Entry): void => {
    try {
      index.add(p, entry);
    } catch (error) {
      throw new TypeError(`${where(source)}: ${(error as Error).message}`, { cause: error });
    }
  };
  const compiling: Compiling = { add, where };
  // In this order: phrases enter the index file by file.
  const materials = compileMaterials(m, compiling);
  const baseColours = compileColours(c, compiling);
  const garments = compileGarments(g, compiling);
  const detailGroups = compileDetails(d, compiling);
  compileClaims(cl, compiling);
  compileAudience(a, compiling);
  const sizes = compileSizes(s, compiling);
  const languages = compileLanguages(l, compiling);
  return { index, materials, baseColours, ...garments, detailGroups, ...sizes, ...languages };
}

function compileMaterials(m: ParsedVocabulary['materials.json'], { add, where }: Compiling): Map<string, Material> {
  const broader = new Map(m.materials.map((x) => [x.name, x.broader ?? []]));
  const materials = new Map<string, Material>();
  for (const x of m.materials) {
    if (materials.has(x.name)) throw new TypeError(`${where('materials.json')}: duplicate material "${x.name}"`);
    const names = new Set<string>([x.name]);
    const queue = [...(broader.get(x.name) ?? [])];
    for (let b = queue.shift(); b !== undefined; b = queue.shift()) {
      const above = broader.get(b);
      if (!above) throw new TypeError(`${where('materials.json')}: "${x.name}" is a kind of unknown material "${b}"`);
      if (names.has(b)) continue;
      names.add(b);
      queue.push(...above);
    }
    const material = { name: x.name, names };
    materials.set(x.name, material);
    for (const t of x.terms) add('materials.json', t, { type: 'material', material });
  }
  for (const p of m.except) add('materials.json', p, { type: 'except', of: 'material' });
  for (const p of m.wholeCues) add('materials.json', p, { type: 'cue', cue: 'whole' });
  return materials;
}

function compileColours(c: ParsedVocabulary['colours.json'], { add, where }: Compiling): Set<string> {
  const baseColours = new Set(c.base.map(stems));
  for (const x of c.colours) {
    for (const f of x.family)
      if (!baseColours.has(stems(f)))
        throw new TypeError(`${where('colours.json')}: colour "${x.name}" has family "${f}", which is not in base`);
    // split() yields at least one word.
    const [last = ''] = stems(x.name).split(' ').slice(-1);
    const colour: Colour = {
      name: stems(x.name),
      family: x.family.map(stems),
      ambiguous: x.ambiguous,
      baseWord: baseColours.has(last) ? last : null,
    };
    for (const t of x.terms) add('colours.json', t, { type: 'colour', colour });
  }
  for (const p of c.idioms) add('colours.json', p, { type: 'except', of: 'colour' });
  for (const p of c.contextBefore) add('colours.json', p, { type: 'cue', cue: 'colour-before' });
  for (const p of c.contextAfter) add('colours.json', p, { type: 'cue', cue: 'colour-after' });
  return baseColours;
}

function compileGarments(
  g: ParsedVocabulary['garments.json'],
  { add, where }: Compiling,
): Pick<FactVocabulary, 'kinds' | 'kindByCategory' | 'garmentNouns'> {
  const kinds: Kind[] = [];
  const garmentNouns = new Set<string>();
  for (const x of g.kinds) {
    const kind: Kind = { name: x.name, own: new Set([...x.nouns, ...x.also].map(stems)), implies: x.implies };
    kinds.push(kind);
    for (const n of x.nouns) {
      garmentNouns.add(stems(n));
      // split() yields at least one word.
      const [last = ''] = n
        .trim()
        .toLowerCase()
        .split(/[\s-]+/)
        .slice(-1);
      add('garments.json', n, {
        type: 'kind',
        kind,
        pluralOnly: stems(last) !== last && !x.nouns.some((o) => o.toLowerCase() === stems(last)),
      });
    }
  }
  const kindByName = new Map(kinds.map((k) => [k.name, k]));
  const kindByCategory = new Map<string, Kind>();
  for (const [category, name] of Object.entries(g.categories)) {
    const kind = kindByName.get(name);
    if (!kind) throw new TypeError(`${where('garments.json')}: category "${category}" names unknown kind "${name}"`);
    kindByCategory.set(category.toLowerCase(), kind);
  }
  for (const p of g.referents.singular) add('garments.json', p, { type: 'referent', plural: false });
  for (const p of g.referents.plural) add('garments.json', p, { type: 'referent', plural: true });
  for (const p of g.people) add('garments.json', p, { type: 'person' });
  return { kinds, kindByCategory, garmentNouns };
}

function compileDetails(d: ParsedVocabulary['details.json'], { add, where }: Compiling): Map<string, DetailGroup> {
  const detailGroups = new Map<string, DetailGroup>();
  for (const x of d.groups) {
    const group: DetailGroup = { name: x.name, onlyAgainstRecord: x.onlyAgainstRecord };
    detailGroups.set(x.name, group);
    for (const p of x.generic) add('details.json', p, { type: 'detail', group, term: null });
    for (const t of x.terms) {
      const forms = Array.isArray(t) ? t : [t];
      const [label] = forms;
      if (label === undefined) throw new TypeError(`${where('details.json')}: a term of "${x.name}" has no forms`);
      const detail: DetailTerm = { group, forms: forms.map(stems), label };
      for (const f of forms) add('details.json', f, { type: 'detail', group, term: detail });
    }
  }
  for (const p of d.negations) add('details.json', p, { type: 'negation' });
  return detailGroups;
}

function compileClaims(cl: ParsedVocabulary['claims.json'], { add }: Compiling): void {
  for (const [groupName, claims] of Object.entries(cl.groups) as Array<
    [ClaimGroup, ParsedVocabulary['claims.json']['groups'][ClaimGroup]]
  >) {
    for (const x of claims ?? []) {
      const literalTerms = x.terms.filter((t) => !/(^|\s)(\*|\.\.\.|\{Cap\})(\s|$)/.test(t));
      const claim: Claim = { group: groupName, supportedBy: (x.supportedBy ?? literalTerms).map(stems) };
      for (const t of x.terms) add('claims.json', t, { type: 'claim', claim });
    }
  }
  for (const p of cl.except) add('claims.json', p, { type: 'except', of: 'claim' });
}

function compileAudience(a: ParsedVocabulary['audience.json'], { add }: Compiling): void {
  for (const cue of ['adultOccasion', 'female', 'male', 'child'] as const)
    for (const p of a.cues[cue]) add('audience.json', p, { type: 'audience', cue });
  for (const p of a.except) add('audience.json', p, { type: 'except', of: 'audience' });
}

function compileSizes(
  s: ParsedVocabulary['sizes.json'],
  { add, where }: Compiling,
): Pick<FactVocabulary, 'letterSizes' | 'letterRanks'> {
  const letterSizes = s.letter.order.map((x) => x.toUpperCase());
  const rank = (label: string, field: string): number => {
    const i = letterSizes.indexOf(label.toUpperCase());
    if (i < 0) throw new TypeError(`${where('sizes.json')}: ${field} names "${label}", which is not in letter.order`);
    return i;
  };
  for (const [word, label] of Object.entries(s.letter.words))
    add('sizes.json', word, {
      type: 'size',
      size: { kind: 'letter', rank: rank(label, `letter.words.${word}`), word: true },
    });
  for (const p of s.extended) add('sizes.json', p, { type: 'size', size: { kind: 'extended', name: p } });
  for (const p of s.oneSize) add('sizes.json', p, { type: 'size', size: { kind: 'one-size' } });
  for (const [word, years] of Object.entries(s.ageWords))
    add('sizes.json', word, { type: 'size', size: { kind: 'age', years } });
  // Letter labels and aliases are read by the size parser, which needs their case.
  const letterRanks = new Map<string, number>(letterSizes.map((x, i) => [x, i]));
  for (const [k, v] of Object.entries(s.letter.aliases))
    letterRanks.set(k.toUpperCase(), rank(v, `letter.aliases.${k}`));
  return { letterSizes, letterRanks };
}

function compileLanguages(
  l: ParsedVocabulary['languages.json'],
  { where }: Compiling,
): Pick<FactVocabulary, 'languageCodes' | 'languageWords' | 'language'> {
  const languageCodes = Object.keys(l.languages);
  if (languageCodes.length > 30) throw new TypeError(`${where('languages.json')}: at most 30 languages`);
  const languageWords = new Map<string, number>();
  Object.values(l.languages).forEach((words, bit) => {
    for (const w of words) languageWords.set(w.toLowerCase(), (languageWords.get(w.toLowerCase()) ?? 0) | (1 << bit));
  });
  return { languageCodes, languageWords, language: { minWords: l.minWords, minHits: l.minHits, margin: l.margin } };
}

/**
 * Read a brand's vocabulary folder: each of VOCABULARY_FILES it holds
 * replaces the bundled one. A folder that does not exist, unreadable JSON or
 * an invalid file throws a TypeError naming the file.
 */
export function loadFactVocabulary(dir: string): FactVocabulary {
  if (!existsSync(dir)) throw new TypeError(`fact-check vocabulary folder ${dir} does not exist`);
  const files: Partial<Record<VocabularyFileName, unknown>> = {};
  const sources: Partial<Record<VocabularyFileName, string>> = {};
  for (const name of Object.keys(VOCABULARY_FILES) as VocabularyFileName[]) {
    const file = path.join(dir, name);
    if (!existsSync(file)) continue;
    try {
      files[name] = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new TypeError(`${file}: ${(error as Error).message}`, { cause: error });
    }
    sources[name] = file;
  }
  return compileFactVocabulary(files, sources);
}

let bundled: FactVocabulary | undefined;

/** The bundled vocabulary, validated and compiled on first use. */
export function defaultFactVocabulary(): FactVocabulary {
  return (bundled ??= compileFactVocabulary());
}
