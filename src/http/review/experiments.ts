/**
 * The review UI's experiments page (/review/experiments): the experiments,
 * and one of them with its decision, what to do, conversion over time with
 * interval bands and the table as of now. The view is the report CLI's
 * (src/experiments/report-html.ts), drawn here from experiment(id) over
 * GraphQL with the internal key, so the page and the CLI file show the same.
 */
import { forgetKey, gql, GatewayRefusal, readKey, storeKey } from './api.js';
import { byId, h } from './dom.js';
import { explainRefusal } from './words.js';
import { experimentSummary, type ExperimentReportModel } from '../../experiments/report-html.js';
import type { ReviewExperimentQuery, ReviewExperimentsQuery } from '../../../clients/generated/graphql.js';

/**
 * experiment(id) as the page's trusted ReviewExperiment document asks for it:
 * codegen's type of that document, so its fields are written once, in
 * clients/review/experiments.graphql, and toReportModel below is the one
 * place they meet report-html's model.
 */
export type ExperimentAnswer = NonNullable<ReviewExperimentQuery['experiment']>;

/** The view's model from the API's answer: the same numbers the CLI reads from the store. */
export function toReportModel(e: ExperimentAnswer): ExperimentReportModel {
  const names = new Map(e.variants.map((v) => [v.id, v.name]));
  const a = e.analysis;
  const order = a.variants.map((v) => v.variantId);
  return {
    id: e.id,
    name: e.name,
    status: e.status,
    metric: e.metric,
    allocation: e.allocation,
    createdAt: e.createdAt,
    decision: a.decision,
    winnerId: a.winnerVariantId,
    reason: a.reason,
    comparisonAlpha: a.comparisonAlpha,
    minSample: a.minSample,
    variants: a.variants.map((v) => ({
      ...v,
      id: v.variantId,
      name: names.get(v.variantId) ?? v.variantId,
      pValue: v.alwaysValidPValue,
    })),
    looks: a.history.map((look) => ({
      at: new Date(look.at),
      counts: order.map((id) => look.variants.find((c) => c.variantId === id) ?? { exposures: 0, conversions: 0 }),
    })),
  };
}

const DECISION_WORDS: Record<string, string> = {
  KEEP_RUNNING: 'keep running',
  STOP_WINNER: 'stop: a winner',
  STOP_NO_DIFFERENCE: 'stop: no difference',
};

/** A refusal in words; a missing or refused key opens the key form. */
function refused(error: unknown): void {
  const refusal = error instanceof GatewayRefusal ? error : new GatewayRefusal('INTERNAL', undefined, String(error));
  const keyProblem = refusal.code === 'UNAUTHENTICATED' || refusal.code === 'FORBIDDEN';
  const words = keyProblem ? 'Experiments need a key with the internal role: paste one.' : explainRefusal(refusal);
  byId('key-form').hidden = !keyProblem;
  const box = byId('message');
  box.className = 'message problem';
  box.replaceChildren(
    words,
    h('small', { class: 'code' }, ` ${refusal.code}${refusal.reason ? ` · ${refusal.reason}` : ''}`),
  );
}

function say(words: string): void {
  const box = byId('message');
  box.className = 'message';
  box.textContent = words;
}

async function loadList(): Promise<void> {
  try {
    const { experiments } = await gql<ReviewExperimentsQuery>('ReviewExperiments');
    const current = decodeURIComponent(location.hash.slice(1));
    byId('experiment-list').replaceChildren(
      ...experiments.map((e) =>
        h(
          'li',
          {},
          h(
            'a',
            {
              class: 'queue-item',
              href: `#${encodeURIComponent(e.id)}`,
              'data-id': e.id,
              'aria-current': e.id === current ? 'true' : undefined,
            },
            h('span', { class: 'title' }, e.name),
            h(
              'span',
              { class: 'model' },
              `${e.status.toLowerCase()} · ${DECISION_WORDS[e.analysis.decision] ?? e.analysis.decision}${e.analysis.winnerVariantId ? ` (${e.analysis.winnerVariantId})` : ''}`,
            ),
          ),
        ),
      ),
    );
    byId('experiment-count').textContent = `${experiments.length} experiment${experiments.length === 1 ? '' : 's'}`;
    byId('experiments-empty').hidden = experiments.length > 0;
    if (current) await show(current);
  } catch (error) {
    refused(error);
  }
}

async function show(id: string): Promise<void> {
  if (!id) return;
  for (const item of Array.from(document.querySelectorAll<HTMLElement>('#experiment-list .queue-item'))) {
    if (item.dataset.id === id) item.setAttribute('aria-current', 'true');
    else item.removeAttribute('aria-current');
  }
  try {
    const { experiment } = await gql<ReviewExperimentQuery>('ReviewExperiment', { id });
    if (!experiment) return say('No such experiment.');
    const model = toReportModel(experiment);
    byId('experiment-heading').textContent = experiment.name;
    byId('experiment-meta').textContent =
      `${experiment.id} · ${experiment.status.toLowerCase()} · ${experiment.metric} · ${experiment.allocation} · created ${experiment.createdAt}`;
    // The summary is report-html's string, every value in it escaped there: the same markup the CLI's file holds.
    byId('experiment-view').innerHTML = experimentSummary(model);
    say('');
  } catch (error) {
    refused(error);
  }
}

function wire(): void {
  byId('key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = byId<HTMLInputElement>('key-input');
    if (!input.value.trim()) return;
    storeKey(input.value.trim());
    input.value = '';
    byId('key-form').hidden = true;
    void loadList();
  });
  byId('key-forget').addEventListener('click', () => {
    forgetKey();
    byId('key-form').hidden = false;
  });
  window.addEventListener('hashchange', () => void show(decodeURIComponent(location.hash.slice(1))));
}

wire();
const needsKey = document.body.dataset.needsKey === 'true';
byId('key-forget').hidden = !needsKey;
if (needsKey && !readKey()) byId('key-form').hidden = false;
else void loadList();
