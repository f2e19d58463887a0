/**
 * A product's record as the checks read it: what it names (materials with
 * their percentages, colours, details, claims), its kind and grammatical
 * number, audience, sizes and price. Compiled once per product and vocabulary.
 */
import { recordSizes, type SizeRanges } from './sizes.js';
import { percentPairs, qualifiedMaterials, resolveMatches, type MatchesByType } from './readings.js';
import { tokenAt, tokenize, type TokenizedText } from './text.js';
import type { FactCheckProduct } from './types.js';
import type { FactVocabulary, Kind, Material } from './vocabulary.js';

export type Audience = 'women' | 'men' | 'unisex' | 'kids';

export interface CompositionItem {
  readonly material: Material;
  /** Percentage as the record states it, or null. */
  readonly pct: number | null;
  /** Index of the record's materials entry it came from (a part: "shell: …"). */
  readonly part: number;
}

export interface ProductProfile {
  readonly product: FactCheckProduct;
  /** Kinds the title names (its category's kind when it names none), last-named first. */
  readonly kinds: readonly Kind[];
  /** Stems that refer to the product itself: its kinds' nouns and wider words. */
  readonly ownNouns: ReadonlySet<string>;
  /** Whether the title's garment word is plural ("jeans", "boots"); null when either fits ("Socks, 3 Pack"). */
  readonly plural: boolean | null;
  readonly audience: Audience | null;
  /** Every run of up to six stems inside one field of the record (title, an attribute, a material, a colour) or implied by its kind. */
  readonly phrases: ReadonlySet<string>;
  /** Names of the materials the record names, and of every material they are a kind of. */
  readonly materialNames: ReadonlySet<string>;
  readonly composition: readonly CompositionItem[];
  /** "recycled|polyester": a qualifier stated of a material (and of every material it is a kind of) in one field. */
  readonly qualified: ReadonlySet<string>;
  readonly colourNames: ReadonlySet<string>;
  readonly colourFamilies: ReadonlySet<string>;
  /** The record's words for each detail group it names ("collar": ["camp collar"]). */
  readonly details: ReadonlyMap<string, readonly string[]>;
  readonly sizes: SizeRanges;
}

const MAX_PHRASE = 6;
// A pack or set of plural things is one thing too: "Socks, 3 Pack" is "it" or "they".
const MULTIPLES = new Set(['pack', 'multipack', 'set', 'bundle', 'duo', 'trio']);

function normaliseAudience(product: FactCheckProduct): Audience | null {
  if ((product.attributes ?? []).some((a) => a.trim().toLowerCase() === 'unisex')) return 'unisex';
  const g = product.gender?.trim().toLowerCase() ?? '';
  if (/^(women|woman|womens|female|ladies)$/.test(g)) return 'women';
  if (/^(men|man|mens|male)$/.test(g)) return 'men';
  if (/^(kids?|children|child|boys|girls|baby|babies|junior)$/.test(g)) return 'kids';
  if (g === 'unisex') return 'unisex';
  return null;
}

function phrasesOf(doc: TokenizedText, into: Set<string>): void {
  const { tokens } = doc;
  for (const i of tokens.keys()) {
    let run = '';
    for (const [k, t] of tokens.slice(i, i + MAX_PHRASE).entries()) {
      if (k > 0 && !t.joined) break;
      run = k === 0 ? t.stem : `${run} ${t.stem}`;
      into.add(run);
    }
  }
}

/** The kinds the title names (else its category's), last-named first, and the grammatical number of its garment word. */
function titleKinds(
  product: FactCheckProduct,
  vocabulary: FactVocabulary,
  title: TokenizedText,
  titleMatches: MatchesByType,
): { kinds: Kind[]; plural: boolean | null } {
  const kindMatches = titleMatches.kind;
  const kinds: Kind[] = [];
  for (const m of [...kindMatches].reverse())
    if (m.payload.type === 'kind' && !kinds.includes(m.payload.kind)) kinds.push(m.payload.kind);
  const byCategory = product.category
    ? vocabulary.kindByCategory.get(product.category.trim().toLowerCase())
    : undefined;
  if (kinds.length === 0 && byCategory) kinds.push(byCategory);
  // The title's number is its garment word's: "Leather Chelsea Boots" is plural, "Socks, 3 Pack" too.
  const head = kindMatches.at(-1);
  const headToken = head ? title.tokens[head.end - 1] : title.tokens.filter((t) => /\p{L}/u.test(t.raw)).at(-1);
  const multiple = title.tokens.some((t) => MULTIPLES.has(t.stem));
  const plural = multiple
    ? null
    : headToken !== undefined && headToken.stem !== headToken.lower && /s$/.test(headToken.lower);
  return { kinds, plural };
}

/** What the fields of a record name, gathered field by field. */
interface FieldFacts {
  readonly phrases: Set<string>;
  readonly materialNames: Set<string>;
  readonly composition: CompositionItem[];
  readonly qualified: Set<string>;
  readonly colourNames: Set<string>;
  readonly colourFamilies: Set<string>;
  readonly details: Map<string, string[]>;
}

/** Adds what one field names to `into`; `part` is the index of a materials entry, whose materials also go into the composition, or null. */
function readField(doc: TokenizedText, all: MatchesByType, part: number | null, into: FieldFacts): void {
  phrasesOf(doc, into.phrases);
  const materials = all.material;
  for (const m of materials)
    if (m.payload.type === 'material') for (const n of m.payload.material.names) into.materialNames.add(n);
  for (const m of all.colour) {
    if (m.payload.type !== 'colour') continue;
    into.colourNames.add(m.payload.colour.name);
    for (const f of m.payload.colour.family) into.colourFamilies.add(f);
  }
  for (const m of all.detail) {
    if (m.payload.type !== 'detail') continue;
    let words = into.details.get(m.payload.group.name);
    if (!words) into.details.set(m.payload.group.name, (words = []));
    const said = doc.text.slice(tokenAt(doc, m.start).start, tokenAt(doc, m.end - 1).end);
    if (!words.includes(said)) words.push(said);
  }
  // A qualifier of the materials after it in its clause ("organic cotton denim"), or inside one ("recycled down").
  for (const c of all.claim) {
    const qualifier = doc.tokens
      .slice(c.start, c.end)
      .map((t) => t.stem)
      .join(' ');
    for (const material of qualifiedMaterials(doc, c, materials))
      for (const name of material.names) into.qualified.add(`${qualifier}|${name}`);
  }
  if (part === null) return;
  const pairs = percentPairs(doc, materials);
  for (const p of pairs) into.composition.push({ material: p.material, pct: p.pct, part });
  for (const m of materials) {
    if (m.payload.type === 'material' && !pairs.some((p) => p.start <= m.start && m.end <= p.end))
      into.composition.push({ material: m.payload.material, pct: null, part });
  }
}

export function compileProduct(product: FactCheckProduct, vocabulary: FactVocabulary): ProductProfile {
  const title = tokenize(product.title);
  const titleMatches = resolveMatches(vocabulary.index.matchAll(title.tokens), title.tokens);
  const { kinds, plural } = titleKinds(product, vocabulary, title, titleMatches);
  const fields: TokenizedText[] = [
    title,
    ...[...(product.attributes ?? []), ...(product.colors ?? []), ...kinds.flatMap((k) => k.implies)].map(tokenize),
  ];
  const materialDocs = (product.materials ?? []).map(tokenize);
  const facts: FieldFacts = {
    phrases: new Set<string>(),
    materialNames: new Set<string>(),
    composition: [],
    qualified: new Set<string>(),
    colourNames: new Set<string>(),
    colourFamilies: new Set<string>(),
    details: new Map<string, string[]>(),
  };
  const matchesOf = (doc: TokenizedText): MatchesByType =>
    doc === title ? titleMatches : resolveMatches(vocabulary.index.matchAll(doc.tokens), doc.tokens);
  fields.forEach((doc) => {
    readField(doc, matchesOf(doc), null, facts);
  });
  materialDocs.forEach((doc, i) => {
    readField(doc, matchesOf(doc), i, facts);
  });
  const ownNouns = new Set<string>();
  for (const k of kinds) for (const n of k.own) ownNouns.add(n);
  return {
    product,
    kinds,
    ownNouns,
    plural,
    audience: normaliseAudience(product),
    ...facts,
    sizes: recordSizes(product.sizes ?? [], vocabulary),
  };
}

/**
 * Profiles by the record's content, per vocabulary. Records come from the
 * database as new objects on every request, while one catalog's products are
 * checked again and again; compiling a profile is most of a check's time.
 * Bounded: cleared when full.
 */
const profiles = new WeakMap<FactVocabulary, Map<string, ProductProfile>>();
const MAX_PROFILES = 2000;

/** The product's profile: compiled on first use, reused for a record with the same content. */
export function productProfile(product: FactCheckProduct, vocabulary: FactVocabulary): ProductProfile {
  let cache = profiles.get(vocabulary);
  if (!cache) profiles.set(vocabulary, (cache = new Map<string, ProductProfile>()));
  const key = JSON.stringify([
    product.title,
    product.category,
    product.gender,
    product.price,
    product.attributes,
    product.colors,
    product.sizes,
    product.materials,
  ]);
  let profile = cache.get(key);
  if (!profile) {
    profile = compileProduct(product, vocabulary);
    if (cache.size >= MAX_PROFILES) cache.clear();
    cache.set(key, profile);
  }
  return profile;
}
