/**
 * The overall recommendation: which model to pick, by a rule stated in the
 * report itself, weighing quality (paired tests on every quality metric,
 * with word-overlap wins discounted where they come from restating the
 * product's metadata), the check columns (responsible-AI flags and any
 * other), then cost and latency. Pure.
 */
import type { Comparison, SummaryMetric } from '../types.js';
import { fmt, fmtMs, fmtUsd, METRIC_LABELS, pText } from './format.js';
import { lexicalMetrics, verdictMetrics, type CheckColumn, type ModelReport, type Report } from './model.js';

/** Significance level of every test the report calls significant. */
export const ALPHA = 0.05;

/** The thresholds of the rule; the report prints them with it. */
export const RULE = {
  /** A model must have at least this share of its rows generated and kept. */
  minKeptShare: 0.5,
  /** No check may flag more than this share of a model's rows. */
  maxFlaggedShare: 0.25,
  /** A check flagging this much more of a model's rows than the best eligible model's costs a point. */
  flagMargin: 0.1,
  /** A model "mostly restates" when more than this share of its words that match the reference are metadata words. */
  mostlyRestated: 0.5,
} as const;

export interface Standing {
  model: string;
  /** Why the model cannot be recommended; null when it can. */
  ineligible: string | null;
  points: number;
  /** "BLEU over onnx (p = 0.017)". */
  wins: string[];
  losses: string[];
  /** Overlap-metric wins not counted: they come from restating the metadata. */
  discounted: string[];
  /** Checks that cost a point. */
  flagged: string[];
  /** Why a blocking check ranks it below another eligible model ("Fact check: blocked: 19% of rows against 0% of onnx's"); null when none does. */
  outranked: string | null;
}

export interface Recommendation {
  /** The model to pick; null when none is eligible or the best ones cannot be told apart. */
  pick: string | null;
  /** Why, in a few sentences, the most important first. */
  why: string[];
  /** Every model, best first (eligible before ineligible). */
  standings: Standing[];
  /** The rule, one sentence per step. */
  rule: string[];
}

export function comparisonOf(
  comparisons: readonly Comparison[],
  a: string,
  b: string,
  metric: SummaryMetric,
): Comparison | undefined {
  return comparisons.find(
    (c) => c.metric === metric && ((c.modelA === a && c.modelB === b) || (c.modelA === b && c.modelB === a)),
  );
}

/**
 * Whether `winner`'s lead over `loser` on a word-overlap metric comes from
 * restating the metadata: most of the winner's words that match the
 * reference are metadata words, more of them than of the loser's, and with
 * the metadata words set aside the winner does not beat the loser in a
 * paired test. Returns the figures for the sentence that says so, or null
 * when the lead stands.
 */
export function restatingLead(
  report: Report,
  winner: string,
  loser: string,
): { share: number; loserShare: number; winner: number | null; loser: number | null; pValue: number | null } | null {
  const byName = (name: string) => report.models.find((m) => m.summary.model === name);
  const w = byName(winner);
  const l = byName(loser);
  const share = w?.metadata.matchedFromMetadata.mean ?? null;
  const loserShare = l?.metadata.matchedFromMetadata.mean ?? null;
  if (!w || !l || share === null || loserShare === null || share <= RULE.mostlyRestated || share <= loserShare)
    return null;
  const t = report.beyondMetadataTests.find(
    (x) => (x.modelA === winner && x.modelB === loser) || (x.modelA === loser && x.modelB === winner),
  );
  const ahead =
    t &&
    t.meanDifference !== null &&
    t.pValue !== null &&
    t.pValue < ALPHA &&
    (t.modelA === winner ? t.meanDifference > 0 : t.meanDifference < 0);
  if (ahead) return null;
  return {
    share,
    loserShare,
    winner: w.metadata.beyondMetadata.mean,
    loser: l.metadata.beyondMetadata.mean,
    pValue: t?.pValue ?? null,
  };
}

const share = (c: { flagged: number; checked: number } | undefined): number | null =>
  c && c.checked > 0 ? c.flagged / c.checked : null;
const pct = (x: number): string => `${Math.round(x * 100)}%`;

// Standings and the by-name map are made from the report's models, so a
// model they are asked for is always there.
function standingOf(table: readonly Standing[], model: string): Standing {
  const s = table.find((x) => x.model === model);
  if (s === undefined) throw new Error(`benchmark report: no standing for model "${model}"`);
  return s;
}
function reportOf(byName: ReadonlyMap<string, ModelReport>, model: string): ModelReport {
  const m = byName.get(model);
  if (m === undefined) throw new Error(`benchmark report: no model "${model}"`);
  return m;
}

function ruleText(report: Report): string[] {
  const overlap = lexicalMetrics(report.input.spec).map((m) => METRIC_LABELS[m]);
  return [
    `A model is eligible when at least ${pct(RULE.minKeptShare)} of its rows were generated and kept (not failed, not excluded for echoing the prompt or copying the reference) and no check flags more than ${pct(RULE.maxFlaggedShare)} of its rows.`,
    `Each eligible model gains a point for every quality metric (${verdictMetrics(report.input.spec)
      .map((m) => METRIC_LABELS[m])
      .join(
        ', ',
      )}) on which it beats another eligible model in a paired test with p < ${ALPHA}, and loses one for every such loss.`,
    ...(overlap.length
      ? [
          `A win on a word-overlap metric (${overlap.join(', ')}) is not counted when it comes from restating the metadata: more than ${pct(RULE.mostlyRestated)} of the winner's words that match the reference are title or metadata words, a larger share than of the loser's, and with those words set aside the winner does not overlap the reference more than the loser (paired test, p < ${ALPHA}).`,
        ]
      : []),
    ...(report.checks.some((c) => c.blocking)
      ? [
          `A model whose share of rows flagged by a blocking check (${report.checks
            .filter((c) => c.blocking)
            .map((c) => c.label)
            .join(
              ', ',
            )}) is at least ${Math.round(RULE.flagMargin * 100)} percentage points larger than another eligible model's cannot be recommended over it, whatever its points: those texts could not be published.`,
        ]
      : []),
    `A model loses a point for each other check that flags at least ${Math.round(RULE.flagMargin * 100)} percentage points more of its rows than of the best eligible model's.`,
    'The model with the most points is recommended; a tie goes to fewer flagged rows, then the lower cost per description, then the lower p50 latency (each only where both are known); if that leaves a tie, no model is recommended.',
  ];
}

function eligibility(m: ModelReport, checks: readonly CheckColumn[]): string | null {
  const rows = m.summary.rows;
  if (rows === 0) return 'no rows were evaluated';
  if (m.keptRows / rows < RULE.minKeptShare) {
    const parts = [
      m.summary.errors ? `${m.summary.errors} failed` : '',
      m.summary.excluded ? `${m.summary.excluded} excluded (echoed the prompt or copied the reference)` : '',
    ].filter(Boolean);
    return `only ${m.keptRows} of ${rows} rows usable: ${parts.join(', ')}`;
  }
  for (const c of checks) {
    const cell = c.cells[m.summary.model];
    const s = share(cell);
    if (cell && s !== null && s > RULE.maxFlaggedShare)
      return `${c.label}: ${cell.flagged} of ${cell.checked} rows flagged`;
  }
  return null;
}

function standings(report: Report): Standing[] {
  const { comparisons } = report.input.summary;
  const overlap = new Set<SummaryMetric>(lexicalMetrics(report.input.spec));
  const out = report.models.map((m): Standing => ({
    model: m.summary.model,
    ineligible: eligibility(m, report.checks),
    points: 0,
    wins: [],
    losses: [],
    discounted: [],
    flagged: [],
    outranked: null,
  }));
  const eligible = out.filter((s) => s.ineligible === null);
  for (const [i, a] of eligible.entries()) {
    for (const b of eligible.slice(i + 1)) {
      for (const metric of verdictMetrics(report.input.spec)) {
        const c = comparisonOf(comparisons, a.model, b.model, metric);
        if (!c || c.pValue === null || c.meanDifference === null || c.meanDifference === 0 || c.pValue >= ALPHA)
          continue;
        const [winner, loser] = c.meanDifference > 0 ? [c.modelA, c.modelB] : [c.modelB, c.modelA];
        const w = standingOf(eligible, winner);
        const l = standingOf(eligible, loser);
        const what = `${METRIC_LABELS[metric]} over ${loser} (${pText(c.pValue)})`;
        if (overlap.has(metric) && restatingLead(report, winner, loser)) {
          w.discounted.push(what);
          continue;
        }
        w.points += 1;
        w.wins.push(what);
        l.points -= 1;
        l.losses.push(`${METRIC_LABELS[metric]} to ${winner}`);
      }
    }
  }
  // A blocking check ranks models instead (outrankedBy), so it does not cost points as well.
  for (const c of report.checks.filter((x) => !x.blocking)) {
    const shares = eligible.map((s) => share(c.cells[s.model])).filter((x): x is number => x !== null);
    if (shares.length < 2) continue;
    const best = Math.min(...shares);
    for (const s of eligible) {
      const mine = share(c.cells[s.model]);
      // A float margin: 3 of 10 against 2 of 10 must count as 10 points more.
      if (mine !== null && mine - best >= RULE.flagMargin - 1e-9) {
        s.points -= 1;
        s.flagged.push(`${c.label}: ${pct(mine)} of rows against ${pct(best)}`);
      }
    }
  }
  for (const s of eligible) s.outranked = outrankedBy(report.checks, eligible, s.model);
  return out.sort(
    (a, b) =>
      Number(a.ineligible !== null) - Number(b.ineligible !== null) ||
      Number(a.outranked !== null) - Number(b.outranked !== null) ||
      b.points - a.points,
  );
}

/**
 * The first blocking check on which another eligible model's flagged share is
 * smaller than `model`'s by the rule's margin, as a sentence; null when none
 * is. The margin keeps one blocked text in sixteen from handing the pick to a
 * model that passes by saying nothing beyond the metadata.
 */
function outrankedBy(checks: readonly CheckColumn[], eligible: readonly Standing[], model: string): string | null {
  for (const c of checks.filter((x) => x.blocking)) {
    const mine = share(c.cells[model]);
    if (mine === null) continue;
    const better = eligible
      .map((s) => ({ model: s.model, share: share(c.cells[s.model]) }))
      .filter(
        (o): o is { model: string; share: number } => o.share !== null && mine - o.share >= RULE.flagMargin - 1e-9,
      )
      .sort((a, b) => a.share - b.share)[0];
    if (better) return `${c.label}: ${pct(mine)} of its rows against ${pct(better.share)} of ${better.model}'s`;
  }
  return null;
}

const flaggedShare = (report: Report, model: string): number =>
  report.checks.reduce((sum, c) => sum + (share(c.cells[model]) ?? 0), 0);

/** The tie-breaks, in order: lower is better; null is unknown. */
function tieBreaks(
  report: Report,
): Array<{ label: string; value(m: ModelReport): number | null; show(m: ModelReport): string }> {
  return [
    {
      label: 'fewer flagged rows',
      value: (m) => flaggedShare(report, m.summary.model),
      show: (m) => `${pct(flaggedShare(report, m.summary.model))} flagged`,
    },
    {
      label: 'lower cost per description',
      value: (m) => m.costPerRowUsd,
      show: (m) => `${fmtUsd(m.costPerRowUsd)} per description`,
    },
    {
      label: 'lower p50 latency',
      value: (m) => m.summary.latencyP50Ms,
      show: (m) => `p50 ${fmtMs(m.summary.latencyP50Ms)}`,
    },
  ];
}

function breakTie(report: Report, tied: ModelReport[]): { winner: ModelReport | null; how: string | null } {
  let group = tied;
  for (const t of tieBreaks(report)) {
    const values = group.map((m) => t.value(m));
    const known = values.filter((v) => v !== null);
    if (known.length < values.length) continue;
    const best = Math.min(...known);
    const next = group.filter((_, i) => values[i] === best);
    if (next.length < group.length) {
      const how = `${t.label} (${group.map((m) => `${m.summary.model} ${t.show(m)}`).join(', ')})`;
      const [only] = next;
      if (only && next.length === 1) return { winner: only, how };
      group = next;
    }
  }
  return { winner: null, how: null };
}

function restatingNote(m: ModelReport, others: readonly ModelReport[]): string | null {
  const share = m.metadata.matchedFromMetadata.mean;
  if (share === null) return null;
  const beyond = others
    .filter((o) => o.metadata.beyondMetadata.mean !== null)
    .map((o) => `${o.summary.model} ${fmt(o.metadata.beyondMetadata.mean)}`)
    .join(', ');
  return `${pct(share)} of the words of ${m.summary.model} that match the references restate the product's title or metadata; with those words set aside its overlap with the references is ${fmt(m.metadata.beyondMetadata.mean)}${beyond ? ` (${beyond})` : ''}.`;
}

/** The first sentence of the recommendation: why the pick beat the other eligible models. */
function pickReason(
  pick: ModelReport,
  mine: Standing,
  eligible: readonly Standing[],
  top: readonly ModelReport[],
  how: string | null,
): string {
  if (eligible.length === 1) return `${pick.summary.model} is the only eligible model.`;
  if (how)
    return `${pick.summary.model} ties with ${top
      .filter((m) => m !== pick)
      .map((m) => m.summary.model)
      .join(', ')} on quality (${mine.points} points) and wins on ${how}.`;
  if (eligible.some((s) => s.points > mine.points))
    return `${pick.summary.model} has fewer quality points (${mine.points}) than ${eligible
      .filter((s) => s.points > mine.points)
      .map((s) => s.model)
      .join(', ')}, but fewer of its rows are blocked, so it is the one to pick.`;
  return `${pick.summary.model} has the most quality points (${mine.points > 0 ? '+' : ''}${mine.points}${mine.wins.length ? `: significant wins on ${mine.wins.join(', ')}` : ''}).`;
}

/** The notes on each standing (discounted leads, flag points, outranking) and on the checks that flagged rows of the pick. */
function standingNotes(
  report: Report,
  table: readonly Standing[],
  byName: ReadonlyMap<string, ModelReport>,
  pick: ModelReport,
): string[] {
  const why: string[] = [];
  for (const s of table) {
    if (s.discounted.length) {
      const note = restatingNote(
        reportOf(byName, s.model),
        report.models.filter((m) => m.summary.model !== s.model),
      );
      why.push(
        `The leads of ${s.model} on ${s.discounted.join(', ')} are discounted: they come from restating the metadata, not from better descriptions.${note ? ` ${note}` : ''}`,
      );
    }
    if (s.flagged.length) why.push(`${s.model} loses a point for flags: ${s.flagged.join('; ')}.`);
    if (s.outranked && s.model !== pick.summary.model)
      why.push(`${s.model} cannot be recommended over a model whose texts pass more often (${s.outranked}).`);
  }
  for (const c of report.checks) {
    const cell = c.cells[pick.summary.model];
    if (cell && cell.flagged > 0)
      why.push(
        `${c.label}: ${cell.flagged} of ${cell.checked} rows of ${pick.summary.model} flagged; review them before publishing.`,
      );
  }
  return why;
}

/** The cost of the pick and, when an eligible model is cheaper, what choosing it on cost would give up. */
function costNotes(
  pick: ModelReport,
  mine: Standing,
  eligible: readonly Standing[],
  table: readonly Standing[],
  byName: ReadonlyMap<string, ModelReport>,
): string[] {
  const why: string[] = [];
  if (pick.provenance.kind === 'file')
    why.push(`The texts of ${pick.summary.model} were pre-generated, so its latency and cost were not measured here.`);
  else
    why.push(
      `${pick.summary.model} costs ${fmtUsd(pick.costPerRowUsd)} per description at p50 ${fmtMs(pick.summary.latencyP50Ms)}.`,
    );
  const [cheaper] = eligible
    .map((s) => reportOf(byName, s.model))
    .flatMap((m) =>
      m !== pick && m.costPerRowUsd !== null && (pick.costPerRowUsd === null || m.costPerRowUsd < pick.costPerRowUsd)
        ? [{ m, cost: m.costPerRowUsd }]
        : [],
    )
    .sort((a, b) => a.cost - b.cost)
    .map((x) => x.m);
  if (cheaper) {
    const gap = mine.points - standingOf(table, cheaper.summary.model).points;
    const behind = gap > 0 ? `is ${gap} point${gap === 1 ? '' : 's'} behind on quality` : 'has more flagged rows';
    why.push(
      `If cost decides, ${cheaper.summary.model} costs ${fmtUsd(cheaper.costPerRowUsd)} per description (p50 ${fmtMs(cheaper.summary.latencyP50Ms)}) but ${behind}.`,
    );
  }
  return why;
}

/** The recommendation for a report. */
export function recommend(report: Report): Recommendation {
  const rule = ruleText(report);
  const table = standings(report);
  const byName = new Map(report.models.map((m) => [m.summary.model, m]));
  const eligible = table.filter((s) => s.ineligible === null);
  const notes = table.filter((s) => s.ineligible !== null).map((s) => `${s.model} is not eligible: ${s.ineligible}.`);
  const [first] = eligible;
  if (first === undefined)
    return { pick: null, why: ['No model can be recommended: none is eligible.', ...notes], standings: table, rule };
  // Models a blocking check ranks lower are never tied with the first: they sort after it and differ in `outranked`.
  const top = eligible
    .filter((s) => s.points === first.points && (s.outranked === null) === (first.outranked === null))
    .map((s) => reportOf(byName, s.model));
  const tie = top.length > 1 ? breakTie(report, top) : { winner: top[0] ?? null, how: null };
  if (!tie.winner) {
    return {
      pick: null,
      why: [
        `No clear winner: ${top.map((m) => m.summary.model).join(' and ')} tie on quality (${first.points} points each) and no known flag rate, cost or latency tells them apart.`,
        ...notes,
      ],
      standings: table,
      rule,
    };
  }
  const pick = tie.winner;
  const mine = standingOf(table, pick.summary.model);
  const why = [
    pickReason(pick, mine, eligible, top, tie.how),
    ...standingNotes(report, table, byName, pick),
    ...costNotes(pick, mine, eligible, table, byName),
    ...notes,
  ];
  return { pick: pick.summary.model, why, standings: table, rule };
}
