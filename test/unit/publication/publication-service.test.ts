/**
 * PublicationService over a real SQLite store and an in-process bus, with a
 * fact checker the test controls (the vocabulary "changes" between calls):
 * what the policy records, what notices go out, rechecks, and bulk results.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { pino } from 'pino';
import { SqliteStorage } from '../../../src/storage/index.js';
import { createPublicationBus, type PublicationNotice } from '../../../src/publication/publication-bus.js';
import { PublicationService, type FactChecker } from '../../../src/publication/publication.service.js';
import { slotOf } from '../../../src/publication/slot.js';
import type { Actor, PublishPolicy } from '../../../src/publication/lifecycle.js';
import type { StoredCheck } from '../../../src/storage/publication-types.js';
import { makeCatalog, makeDescription } from '../storage/storage.data.js';
import { must } from '../../helpers/must.js';

const dir = mkdtempSync(path.join(tmpdir(), 'stylesprint-publication-service-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const PASS: StoredCheck = { verdict: 'PASS', findings: [] };
const BLOCK: StoredCheck = {
  verdict: 'BLOCK',
  findings: [{ code: 'ORIGIN_CLAIM', severity: 'BLOCK', start: 0, end: 5, message: 'origin', expected: null }],
};
const editor: Actor = { kind: 'person', name: 'merch-1', role: 'editor' };

async function setup(policy: PublishPolicy) {
  const file = path.join(mkdtempSync(path.join(dir, 'db-')), 'gateway.db');
  const storage = new SqliteStorage(file);
  const products = (await storage.catalog.upsertProducts(makeCatalog())).map((o) => o.product);
  const product = (i: number) => must(products[i], `catalog product ${i}`);
  let verdicts: Record<string, StoredCheck> = {};
  const check: FactChecker = (_product, text) => {
    if (text === 'explode') throw new Error('checker bug');
    return verdicts[text] ?? PASS;
  };
  const bus = await createPublicationBus();
  const notices: PublicationNotice[] = [];
  bus.onPublished((n) => notices.push(n));
  const service = new PublicationService({
    store: storage.publication,
    bus,
    products: (ids) => storage.catalog.productsByIds(ids),
    check,
    policy,
    logger: pino({ level: 'silent' }),
  });
  const generated = async (entry = product(0), text = 'a generated text', finishReason = 'stop') => {
    const d = await storage.descriptions.insertDescription(makeDescription(entry.id, { text, finishReason }));
    return service.admitGenerated(d, entry, slotOf(entry.id, null));
  };
  return {
    storage,
    service,
    product,
    notices,
    generated,
    setVerdicts: (v: Record<string, StoredCheck>) => (verdicts = v),
    async close() {
      await service.close();
      await storage.close();
    },
  };
}

test('auto: a PASS text is published and announced; the next supersedes it and says which; the policy writes its grounds in the history', async () => {
  const s = await setup('auto');
  try {
    const first = await s.generated(undefined, 'first');
    const second = await s.generated(undefined, 'second');
    s.setVerdicts({ third: BLOCK });
    const third = await s.generated(undefined, 'third');
    // Approved before the next text arrives: a draft a person touched is never superseded by a machine one.
    await s.service.approve(third.state.descriptionId, editor);
    const cut = await s.generated(undefined, 'cut', 'length');
    assert.deepEqual(
      [first, second, third, cut].map((e) => e.state.status),
      ['PUBLISHED', 'PUBLISHED', 'IN_REVIEW', 'IN_REVIEW'],
    );
    assert.deepEqual(
      s.notices.map((n) => [n.type, n.descriptionId, n.supersededId, n.text, n.actorName]),
      [
        ['PUBLISHED', first.state.descriptionId, null, 'first', 'publish-policy:auto'],
        ['PUBLISHED', second.state.descriptionId, first.state.descriptionId, 'second', 'publish-policy:auto'],
      ],
    );
    const notes = (await s.service.history(s.product(0).id, null)).events
      .filter((e) => e.action === 'PUBLISH' || e.action === 'SUBMIT')
      .map((e) => e.note);
    assert.deepEqual(notes, [
      'PUBLISH_POLICY=auto: the check passed and the text is complete',
      'PUBLISH_POLICY=auto: the check passed and the text is complete',
      'PUBLISH_POLICY=auto: the check says BLOCK',
      'PUBLISH_POLICY=auto: cut off by the token limit',
    ]);
    // A person publishes; the policy leaves that text live and queues the next machine one.
    s.setVerdicts({});
    await s.service.publish(third.state.descriptionId, editor, { note: 'fixed upstream' });
    const fourth = await s.generated(undefined, 'fourth');
    assert.equal(fourth.state.status, 'IN_REVIEW');
    assert.match(
      must((await s.service.history(s.product(0).id, null)).events.at(-1)?.note, 'the last note'),
      /^PUBLISH_POLICY=auto: the live text was published by a person \(editor\)$/,
    );
  } finally {
    await s.close();
  }
});

test('a rejected or unpublished live text is announced as UNPUBLISHED; a recheck stores the new verdict and keeps the status', async () => {
  const s = await setup('auto');
  try {
    const live = await s.generated(undefined, 'a claim');
    s.setVerdicts({ 'a claim': BLOCK });
    const [rechecked] = await s.service.recheck([live.state.descriptionId], editor);
    assert.ok(rechecked?.ok);
    assert.deepEqual(
      [rechecked.entry.state.status, rechecked.entry.state.verdict, rechecked.entry.version.check],
      ['PUBLISHED', 'BLOCK', BLOCK],
    );
    const queue = await s.service.queue({ statuses: ['PUBLISHED'], verdicts: ['BLOCK'] }, 10, null);
    assert.deepEqual(
      queue.rows.map((r) => r.state.descriptionId),
      [live.state.descriptionId],
    );
    const event = must((await s.service.history(s.product(0).id, null)).events.at(-1), 'the last event');
    assert.deepEqual(
      [event.action, event.from, event.to, event.note, event.actorName],
      ['RECHECK', 'PUBLISHED', 'PUBLISHED', 'PASS → BLOCK', 'merch-1'],
    );
    await s.service.reject(live.state.descriptionId, editor, { reason: 'origin claim' });
    assert.deepEqual(
      s.notices.map((n) => [n.type, n.note]),
      [
        ['PUBLISHED', 'PUBLISH_POLICY=auto: the check passed and the text is complete'],
        ['UNPUBLISHED', 'origin claim'],
      ],
    );
  } finally {
    await s.close();
  }
});

test('bulk actions: one outcome per id in order, a client error per failed item, and an unexpected failure as INTERNAL without failing the others', async () => {
  const s = await setup('review');
  try {
    const ok = await s.generated(s.product(0), 'fine');
    const boom = await s.generated(s.product(1), 'explode').catch((e: unknown) => e);
    assert.match(inspect(boom), /checker bug/, 'a checker that fails fails the admission, not the gateway');
    const stored = await s.storage.descriptions.insertDescription(
      makeDescription(s.product(1).id, { text: 'explode' }),
    );
    assert.deepEqual(
      await s.service.sweep(),
      { adopted: 2, triaged: 0 },
      'the texts the check fails on stay unchecked drafts',
    );
    const outcomes = await s.service.recheck([ok.state.descriptionId, stored.id, 'missing'], editor);
    assert.deepEqual(
      outcomes.map((o) => (o.ok ? 'ok' : o.error.code)),
      ['ok', 'INTERNAL', 'NOT_FOUND'],
    );
    await assert.rejects(
      s.service.bulkApprove(
        Array.from({ length: 101 }, (_, i) => String(i)),
        editor,
      ),
      /at most 100/,
    );
  } finally {
    await s.close();
  }
});

test('the sweep adopts, checks and triages once; a second sweep finds nothing', async () => {
  const s = await setup('review');
  try {
    const [a, b] = [s.product(0), s.product(1)];
    for (const text of ['old', 'new']) await s.storage.descriptions.insertDescription(makeDescription(a.id, { text }));
    await s.storage.descriptions.insertDescription(
      makeDescription(b.id, { text: 'only', personalization: { segment: 'runners' } }),
    );
    assert.deepEqual(await s.service.sweep(), { adopted: 3, triaged: 3 });
    assert.deepEqual(await s.service.sweep(), { adopted: 0, triaged: 0 });
    const statuses = (await s.service.history(a.id, null)).entries.map((e) => [e.version.text, e.state.status]);
    assert.deepEqual(statuses, [
      ['old', 'SUPERSEDED'],
      ['new', 'IN_REVIEW'],
    ]);
    assert.deepEqual(
      (await s.service.history(b.id, null)).entries.map((e) => [e.state.slot.segment, e.state.status, e.state.verdict]),
      [['runners', 'IN_REVIEW', 'PASS']],
    );
  } finally {
    await s.close();
  }
});
