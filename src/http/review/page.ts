/**
 * The review page for merchandisers (/review): the queue with its filters,
 * one text at a time with its findings and product record, and the actions
 * approve, edit, reject and publish, by button or by key. Everything goes
 * through the public GraphQL API with the editor's key, so the page can do
 * nothing the API would not let that key do.
 */
import {
  bulkApprove,
  change,
  forgetKey,
  GatewayRefusal,
  loadDescription,
  loadQueue,
  readKey,
  storeKey,
  type Description,
  type QueueFilter,
  type QueueItem,
} from './api.js';
import { byId, h } from './dom.js';
import { findingList, markedText, metaLine, productRecord, STATUS_WORDS, VERDICT_WORDS } from './detail.js';
import { explainRefusal } from './words.js';

type Mode = 'view' | 'edit' | 'reject' | 'override';

const state = {
  queue: [] as QueueItem[],
  current: null as Description | null,
  /** Where the current text was in the queue, so j/k go on from there once an action moved it out. */
  position: 0,
  mode: 'view' as Mode,
};

function filter(): QueueFilter {
  const value = (id: string) => byId<HTMLInputElement | HTMLSelectElement>(id).value.trim();
  return {
    status: [value('filter-status')],
    verdict: value('filter-verdict') ? [value('filter-verdict')] : undefined,
    category: value('filter-category') || undefined,
    model: value('filter-model') || undefined,
  };
}

/** Tells the editor what happened: `problem` for a refusal (with its code in small print), else a confirmation. */
function say(message: string, problem?: { code: string; reason?: string | undefined }): void {
  const box = byId('message');
  box.className = problem ? 'message problem' : 'message';
  box.replaceChildren(
    message,
    problem ? h('small', { class: 'code' }, ` ${problem.code}${problem.reason ? ` · ${problem.reason}` : ''}`) : '',
  );
}

/** The one handler of refusals: a missing or refused key opens the key prompt, anything else is said in words. */
function refused(error: unknown): void {
  const refusal = error instanceof GatewayRefusal ? error : new GatewayRefusal('INTERNAL', undefined, String(error));
  if (refusal.code === 'UNAUTHENTICATED' || refusal.code === 'FORBIDDEN') askForKey(explainRefusal(refusal));
  say(explainRefusal(refusal), refusal);
}

function askForKey(why: string): void {
  const dialog = byId<HTMLDialogElement>('key-dialog');
  byId('key-why').textContent = why;
  if (!dialog.open) dialog.showModal();
  byId('key-input').focus();
}

/** The gateway says (on the page's body) whether it has keys: with none, every caller may review and no key is asked. */
const needsKey = document.body.dataset.needsKey === 'true';

function showKeyStatus(): void {
  const key = readKey();
  byId('key-status').textContent = key
    ? `Editor key ending in ${key.slice(-4)}`
    : needsKey
      ? 'No key yet'
      : 'Open gateway: no key needed';
  byId('key-forget').hidden = !key;
  byId('key-enter').hidden = !needsKey || !!key;
}

async function refreshQueue(): Promise<void> {
  try {
    const queue = await loadQueue(filter());
    state.queue = queue.nodes;
    renderCounts(queue.counts);
    renderQueue(queue.totalCount);
  } catch (error) {
    refused(error);
  }
}

function renderCounts(counts: Array<{ status: string; count: number }>): void {
  const select = byId<HTMLSelectElement>('filter-status');
  for (const option of Array.from(select.options)) {
    const count = counts.find((c) => c.status === option.value)?.count ?? 0;
    option.textContent = `${STATUS_WORDS[option.value] ?? option.value} (${count})`;
  }
}

function renderQueue(totalCount: number): void {
  const items = state.queue.map((d) =>
    h(
      'li',
      {},
      h(
        'button',
        {
          type: 'button',
          class: 'queue-item',
          'data-id': d.id,
          'aria-current': d.id === state.current?.id ? 'true' : undefined,
          onclick: () => void open(d.id),
        },
        h('span', { class: 'title' }, d.product?.title ?? d.id),
        h(
          'span',
          { class: `verdict verdict-${d.check.verdict.toLowerCase()}` },
          `${VERDICT_WORDS[d.check.verdict]}${d.check.findings.length ? ` · ${d.check.findings.length} finding${d.check.findings.length === 1 ? '' : 's'}` : ''}`,
        ),
        h('span', { class: 'model' }, `${d.model} · ${STATUS_WORDS[d.status] ?? d.status}`),
      ),
    ),
  );
  byId('queue').replaceChildren(...items);
  byId('queue-count').textContent =
    `${totalCount} text${totalCount === 1 ? '' : 's'}${totalCount > state.queue.length ? `, the first ${state.queue.length} shown` : ''}`;
  byId('queue-empty').hidden = state.queue.length > 0;
  const passing = state.queue.filter((d) => d.status === 'IN_REVIEW' && d.check.verdict === 'PASS').length;
  const bulk = byId<HTMLButtonElement>('bulk-approve');
  bulk.disabled = passing === 0;
  bulk.textContent = `Approve all ${passing} passing text${passing === 1 ? '' : 's'} shown`;
}

async function open(id: string): Promise<void> {
  try {
    const d = await loadDescription(id);
    if (!d) return say('This text no longer exists.', { code: 'NOT_FOUND' });
    show(d, 'view');
    say('');
    byId('detail-heading').focus();
  } catch (error) {
    refused(error);
  }
}

const can = {
  approve: (d: Description) => d.status === 'IN_REVIEW',
  edit: (d: Description) => d.status !== 'SUPERSEDED',
  reject: (d: Description) => ['DRAFT', 'IN_REVIEW', 'APPROVED', 'PUBLISHED'].includes(d.status),
  publish: (d: Description) =>
    d.status === 'APPROVED' || (d.status === 'PUBLISHED' && d.publishedVersion !== d.version),
};

/** Shows a description in the detail pane, in a mode; `draft` keeps the editor's own words across a refusal. */
function show(d: Description, mode: Mode, draft?: string): void {
  state.current = d;
  state.mode = mode;
  const index = state.queue.findIndex((q) => q.id === d.id);
  if (index >= 0) state.position = index;
  for (const item of Array.from(document.querySelectorAll<HTMLElement>('.queue-item')))
    item.toggleAttribute('aria-current', item.dataset.id === d.id);
  byId('detail-empty').hidden = true;
  byId('detail-body').hidden = false;
  byId('detail-heading').textContent = d.product?.title ?? 'Description';
  byId('detail-meta').replaceChildren(metaLine(d));
  byId('text').replaceWith(markedText(d.text, d.check.findings));
  byId('findings').replaceWith(findingList(d.check.findings));
  byId('product').replaceWith(productRecord(d.product));
  for (const action of ['approve', 'edit', 'reject', 'publish'] as const)
    byId<HTMLButtonElement>(`action-${action}`).disabled = !can[action](d);
  byId('edit-form').hidden = mode !== 'edit';
  byId('reject-form').hidden = mode !== 'reject';
  byId('override-form').hidden = mode !== 'override';
  if (mode === 'edit') {
    const area = byId<HTMLTextAreaElement>('edit-text');
    area.value = draft ?? d.text;
    byId('edit-label').textContent = `Text (editing version ${d.version})`;
    area.focus();
  }
  if (mode === 'reject') byId('reject-reason').focus();
  if (mode === 'override') byId('override-note').focus();
}

/** Runs one change of the current text, shows its answer and refreshes the queue. */
async function act(run: (d: Description) => Promise<Description>, done: (d: Description) => string): Promise<void> {
  const d = state.current;
  if (!d) return;
  try {
    const changed = await run(d);
    show(changed, 'view');
    say(done(changed));
  } catch (error) {
    await onActionRefused(d, error);
  }
  await refreshQueue();
}

async function onActionRefused(d: Description, error: unknown): Promise<void> {
  refused(error);
  if (!(error instanceof GatewayRefusal)) return;
  if (error.reason === 'STALE_VERSION' || error.reason === 'INVALID_TRANSITION') {
    const draft = state.mode === 'edit' ? byId<HTMLTextAreaElement>('edit-text').value : undefined;
    const now = await loadDescription(d.id).catch(() => null);
    if (now) show(now, draft === undefined ? 'view' : 'edit', draft);
    say(explainRefusal(error), error);
  } else if (error.reason === 'CHECK_BLOCKED') show(d, 'override');
}

const findingsWords = (d: Description) =>
  d.check.findings.length
    ? `the fact check found ${d.check.findings.length} thing${d.check.findings.length === 1 ? '' : 's'} to look at (${VERDICT_WORDS[d.check.verdict]}).`
    : 'the fact check found nothing.';

const actions = {
  approve: () =>
    act(
      (d) => change('approveDescription', { id: d.id, expectedVersion: d.version }),
      () => 'Approved. Publish it to show it to shoppers.',
    ),
  publish: () =>
    act(
      (d) => change('publishDescription', { id: d.id, expectedVersion: d.version, override: false }),
      (d) => `Published: shoppers see version ${d.publishedVersion} from now on.`,
    ),
  edit: () => state.current && can.edit(state.current) && show(state.current, 'edit'),
  reject: () => state.current && can.reject(state.current) && show(state.current, 'reject'),
  save: () =>
    act(
      (d) =>
        change('editDescription', {
          id: d.id,
          expectedVersion: d.version,
          text: byId<HTMLTextAreaElement>('edit-text').value,
        }),
      (d) => `Saved as version ${d.version}; ${findingsWords(d)}`,
    ),
  confirmReject: () =>
    act(
      (d) =>
        change('rejectDescription', {
          id: d.id,
          expectedVersion: d.version,
          reason: byId<HTMLInputElement>('reject-reason').value.trim(),
        }),
      () => 'Rejected. It comes back only if someone edits it.',
    ),
  override: () =>
    act(
      (d) =>
        change('publishDescription', {
          id: d.id,
          expectedVersion: d.version,
          override: true,
          note: byId<HTMLTextAreaElement>('override-note').value.trim(),
        }),
      (d) => `Published despite the check, with your note on record: shoppers see version ${d.publishedVersion}.`,
    ),
  cancel: () => state.current && show(state.current, 'view'),
};

async function approvePassing(): Promise<void> {
  const ids = state.queue.filter((d) => d.status === 'IN_REVIEW' && d.check.verdict === 'PASS').map((d) => d.id);
  if (!ids.length) return;
  try {
    const results = await bulkApprove(ids);
    const approved = results.filter((r) => r.__typename === 'Description').length;
    const left = results.length - approved;
    say(
      `Approved ${approved} passing text${approved === 1 ? '' : 's'}.${left ? ` ${left} left for one-by-one review.` : ''}`,
    );
    if (state.current && ids.includes(state.current.id)) await open(state.current.id);
  } catch (error) {
    refused(error);
  }
  await refreshQueue();
}

/** j/k move through the queue from where the current text is (or was). */
function step(by: 1 | -1): void {
  if (!state.queue.length) return;
  const here = state.queue.findIndex((d) => d.id === state.current?.id);
  const next =
    here < 0
      ? Math.min(state.position, state.queue.length - 1)
      : Math.min(Math.max(here + by, 0), state.queue.length - 1);
  const target = state.queue[state.current ? next : 0];
  if (!target) return;
  const button = document.querySelector<HTMLElement>(`.queue-item[data-id="${CSS.escape(target.id)}"]`);
  void open(target.id).then(() => button?.scrollIntoView({ block: 'nearest' }));
}

const SHORTCUTS: Record<string, () => unknown> = {
  j: () => step(1),
  k: () => step(-1),
  a: () => state.current && can.approve(state.current) && actions.approve(),
  e: actions.edit,
  r: actions.reject,
  p: () => state.current && can.publish(state.current) && actions.publish(),
  '?': () => byId<HTMLDialogElement>('help-dialog').showModal(),
};

function onKey(event: KeyboardEvent): void {
  if (event.key === 'Escape' && state.mode !== 'view') return void actions.cancel();
  if (event.key === 'Enter' && (event.ctrlKey || event.metaKey) && state.mode === 'edit') return void actions.save();
  const target = event.target as HTMLElement;
  if (event.ctrlKey || event.metaKey || event.altKey || target.closest('input, textarea, select, dialog')) return;
  const shortcut = SHORTCUTS[event.key];
  if (!shortcut) return;
  event.preventDefault();
  void shortcut();
}

function onSubmit(id: string, run: () => unknown): void {
  byId(id).addEventListener('submit', (event) => {
    event.preventDefault();
    void run();
  });
}

function wire(): void {
  onSubmit('key-form', () => {
    const input = byId<HTMLInputElement>('key-input');
    if (!input.value.trim()) return;
    storeKey(input.value.trim());
    input.value = '';
    byId<HTMLDialogElement>('key-dialog').close();
    showKeyStatus();
    say('');
    return refreshQueue();
  });
  byId('key-enter').addEventListener('click', () => askForKey('Paste a key with the editor role.'));
  byId('key-forget').addEventListener('click', () => {
    forgetKey();
    showKeyStatus();
    if (needsKey) askForKey('Key forgotten. Paste a key with the editor role to go on.');
    else void refreshQueue();
  });
  onSubmit('filters', refreshQueue);
  for (const id of ['filter-status', 'filter-verdict']) byId(id).addEventListener('change', () => void refreshQueue());
  byId('bulk-approve').addEventListener('click', () => void approvePassing());
  for (const name of ['approve', 'edit', 'reject', 'publish'] as const)
    byId(`action-${name}`).addEventListener('click', () => void actions[name]());
  onSubmit('edit-form', actions.save);
  onSubmit('reject-form', actions.confirmReject);
  onSubmit('override-form', actions.override);
  for (const button of Array.from(document.querySelectorAll<HTMLElement>('[data-cancel]')))
    button.addEventListener('click', () => void actions.cancel());
  byId('help-open').addEventListener('click', () => byId<HTMLDialogElement>('help-dialog').showModal());
  document.addEventListener('keydown', onKey);
}

wire();
showKeyStatus();
if (needsKey && !readKey()) askForKey('This gateway needs a key with the editor role to review texts.');
else void refreshQueue();
