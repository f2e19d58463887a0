/**
 * Scores one chunk of generated (or pre-generated) texts against their
 * references: lexical metrics, integrity and inclusive-language checks,
 * semantic similarity and CLIP. Model failures become null scores with a
 * reason, never a rejected chunk.
 */
import type { Embedder, ImageTextScorer } from '../../../providers/types.js';
import { checkDescription } from '../checks/index.js';
import { checkFacts, type FactCheckProduct, type FactVocabulary } from '../checks/facts/index.js';
import { clipScores } from '../clip/clip-score.js';
import { scorePair, type MetricName } from '../metrics/index.js';
import { semanticSimilarity } from '../semantic/similarity.js';
import { EXCLUDING_FLAGS } from './summarize.js';
import type { BenchmarkRow, RowResult } from './types.js';

/** One text to score, with what its generation cost. */
export interface Produced {
  row: BenchmarkRow;
  model: string;
  /** Null when generation failed (then `error` says why). */
  text: string | null;
  error?: string | null;
  /** The prompt sent, for the PROMPT_ECHO check (none for pre-generated texts). */
  prompt?: string;
  latencyMs?: number | null;
  promptTokens?: number | null;
  completionTokens?: number | null;
  costUsd?: number | null;
}

export interface ScoreContext {
  metrics: readonly MetricName[];
  embedder: Embedder | null;
  scorer: ImageTextScorer | null;
  signal?: AbortSignal;
  /** The fact check's vocabulary (FACT_CHECK_VOCAB_DIR's, when set). Default: the bundled one. */
  vocabulary?: FactVocabulary;
}

/** A dataset row as the record the fact check reads: what the row has (a CSV row: its title and attributes). */
export function rowRecord(row: BenchmarkRow): FactCheckProduct {
  return {
    title: row.title,
    category: row.category ?? null,
    gender: row.gender ?? null,
    attributes: row.attributes,
    colors: row.colors ?? [],
    sizes: row.sizes ?? [],
    materials: row.materials ?? [],
    price: row.price ?? null,
  };
}

const NO_SCORES = { bleu: null, rouge1: null, rouge2: null, rougeL: null, meteor: null };

export async function scoreChunk(items: readonly Produced[], ctx: ScoreContext): Promise<RowResult[]> {
  const ok = items.filter((i): i is Produced & { text: string } => i.text !== null);
  const signalOpt = ctx.signal ? { signal: ctx.signal } : {};
  const semantic = await semanticSimilarity(
    ctx.embedder,
    ok.map((i) => ({ reference: i.row.reference, candidate: i.text })),
    signalOpt,
  );
  const withImage = ok.filter((i) => i.row.image !== null);
  const clip = await clipScores(
    ctx.scorer,
    withImage.flatMap((i) =>
      i.row.image === null ? [] : [{ image: i.row.image, candidate: i.text, reference: i.row.reference }],
    ),
    signalOpt,
  );
  return items.map((item): RowResult => {
    const base = {
      model: item.model,
      rowIndex: item.row.index,
      latencyMs: item.latencyMs ?? null,
      promptTokens: item.promptTokens ?? null,
      completionTokens: item.completionTokens ?? null,
      costUsd: item.costUsd ?? null,
    };
    if (item.text === null) {
      return {
        ...base,
        text: null,
        error: item.error ?? 'generation failed',
        scores: NO_SCORES,
        semantic: null,
        semanticReason: 'GENERATION_FAILED',
        clipScore: null,
        clipReferenceDelta: null,
        clipReason: 'GENERATION_FAILED',
        flags: [],
        factCheck: null,
        excluded: false,
      };
    }
    const s = semantic[ok.indexOf(item as Produced & { text: string })];
    if (s === undefined) throw new Error(`benchmark: no semantic score for row ${item.row.index}`);
    const ci = withImage.indexOf(item as Produced & { text: string });
    const c = ci >= 0 ? clip[ci] : null;
    const checks = checkDescription({
      text: item.text,
      reference: item.row.reference,
      ...(item.prompt !== undefined ? { prompt: item.prompt } : {}),
      attributes: item.row.attributes,
      gender: item.row.gender ?? null,
    });
    const flags = checks.flags.map((f) => ({ code: f.code, category: f.category, message: f.message }));
    return {
      ...base,
      text: item.text,
      error: null,
      scores: { ...scorePair(item.row.reference, item.text, ctx.metrics) },
      semantic: s.score,
      semanticReason: s.reason ?? null,
      clipScore: c?.clipScore ?? null,
      clipReferenceDelta: c?.referenceDelta ?? null,
      clipReason: c ? (c.reason ?? null) : ctx.scorer ? 'NO_IMAGE' : 'CLIP_NOT_CONFIGURED',
      flags,
      factCheck: checkFacts(item.text, rowRecord(item.row), ctx.vocabulary ? { vocabulary: ctx.vocabulary } : {}),
      excluded: flags.some((f) => EXCLUDING_FLAGS.includes(f.code)),
    };
  });
}
