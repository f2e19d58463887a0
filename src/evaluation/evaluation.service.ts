import type { Embedder } from '../../providers/types.js';
import { checkDescription, flagRecord } from './checks/index.js';
import { ALL_METRICS, scorePair, type MetricName, type PairScores } from './metrics/index.js';
import { semanticSimilarity } from './semantic/similarity.js';
import type { DescriptionRecord, ProductRecord } from '../storage/types.js';
import type { ContentFlag } from '../descriptions/types.js';

// The shapes the schema's TextScores, TextEvaluation and DescriptionEvaluation types expose.
export interface TextScores {
  bleu: number | null;
  rouge1: number | null;
  rouge2: number | null;
  rougeL: number | null;
  meteor: number | null;
  flags: ContentFlag[];
}

export interface TextEvaluation {
  pairs: TextScores[];
  mean: TextScores;
}

export interface DescriptionEvaluation {
  descriptionId: string;
  scores: TextScores;
  semanticSimilarity: number | null;
  semanticReason: string | null;
}

/** Input limits of evaluateText: past them the whole call is a BAD_USER_INPUT. */
export const EVALUATE_LIMITS = { pairs: 500, chars: 5_000 } as const;

function meanScores(all: readonly PairScores[]): TextScores {
  const m = (k: keyof PairScores): number | null => {
    const xs = all.map((s) => s[k]).filter((v): v is number => v !== null);
    return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
  };
  return {
    bleu: m('bleu'),
    rouge1: m('rouge1'),
    rouge2: m('rouge2'),
    rougeL: m('rougeL'),
    meteor: m('meteor'),
    flags: [],
  };
}

/** Scores texts (pure apart from the optional embedder). Shared by every request. */
export class EvaluationService {
  constructor(private readonly embedder: () => Embedder | null) {}

  evaluateText(
    pairs: ReadonlyArray<{ reference: string; candidate: string }>,
    metrics: readonly MetricName[] = ALL_METRICS,
  ): TextEvaluation {
    const scored = pairs.map((p) => ({
      scores: scorePair(p.reference, p.candidate, metrics),
      flags: checkDescription({ text: p.candidate, reference: p.reference }).flags.map(flagRecord),
    }));
    return {
      pairs: scored.map(({ scores, flags }) => ({ ...scores, flags })),
      mean: meanScores(scored.map((s) => s.scores)),
    };
  }

  async evaluateDescription(
    description: DescriptionRecord,
    product: ProductRecord,
    signal?: AbortSignal,
  ): Promise<DescriptionEvaluation | null> {
    const reference = product.referenceDescription;
    if (!reference) return null;
    const scores = scorePair(reference, description.text);
    const checks = checkDescription({
      text: description.text,
      reference,
      attributes: product.attributes,
      gender: product.gender,
    });
    const [semantic] = await semanticSimilarity(
      this.embedder(),
      [{ reference, candidate: description.text }],
      signal ? { signal } : {},
    );
    if (!semantic) throw new Error('semantic similarity: no score for the one pair');
    return {
      descriptionId: description.id,
      scores: { ...scores, flags: checks.flags.map(flagRecord) },
      semanticSimilarity: semantic.score,
      semanticReason: semantic.reason ?? null,
    };
  }
}
