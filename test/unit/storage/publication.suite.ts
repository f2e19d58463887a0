import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DescriptionRecord, ProductRecord, Storage } from '../../../src/storage/types.js';
import type { Plan, Planner, PublicationStore, StoredCheck } from '../../../src/storage/publication-types.js';
import { slotOf, type Slot } from '../../../src/publication/slot.js';
import type { DescriptionStatus } from '../../../src/publication/lifecycle.js';
import { makeCatalog, makeDescription } from './storage.data.js';
import { must } from '../../helpers/must.js';

/** How the suite reaches one backend; every open uses the same, initially empty, database. */
export interface PublicationHarness {
  /** The storage, and its publication store (closed with it). */
  open(): Promise<{ storage: Storage; store: PublicationStore }>;
  /** One statement straight on the database (`?` placeholders), for what the store must refuse. */
  raw(sql: string, params: unknown[]): Promise<void>;
}

const PASS: StoredCheck = { verdict: 'PASS', findings: [] };
const BLOCK: StoredCheck = {
  verdict: 'BLOCK',
  findings: [
    {
      code: 'MATERIAL_NOT_IN_RECORD',
      severity: 'BLOCK',
      start: 9,
      end: 13,
      message: 'silk is not in the record',
      expected: 'linen',
    },
  ],
};
const SYSTEM = { name: 'publish-policy:auto', role: 'system' };
const EDITOR = { name: 'merch-anna', role: 'editor' };

const plan =
  (action: Plan['action'], to: DescriptionStatus, extra: Partial<Plan> = {}): Planner =>
  () => ({ action, to, actor: EDITOR, note: null, ...extra });
const submit: Planner = () => ({ action: 'SUBMIT', to: 'IN_REVIEW', actor: SYSTEM, note: 'review policy' });
const autoPublish: Planner = () => ({ action: 'PUBLISH', to: 'PUBLISHED', actor: SYSTEM, note: 'auto' });

/**
 * The behaviour every PublicationStore must have, registered as tests that
 * run in order on one database. Call inside a `describe`.
 */
export function publicationSuite(h: PublicationHarness): void {
  // Unset until before() has opened the database, which may fail.
  let storage: Storage | undefined;
  let store: PublicationStore;
  let products: ProductRecord[];
  const db = (): Storage => must(storage, 'storage opened by before()');
  const product = (i: number): ProductRecord => must(products[i], `catalog product ${i}`);

  before(async () => {
    const opened = await h.open();
    ({ storage, store } = opened);
    products = (await opened.storage.catalog.upsertProducts(makeCatalog())).map((o) => o.product);
  });
  after(async () => {
    await storage?.close();
  });

  const describe = (
    product: ProductRecord,
    overrides: Parameters<typeof makeDescription>[1] = {},
  ): Promise<DescriptionRecord> => db().descriptions.insertDescription(makeDescription(product.id, overrides));
  const admitted = async (
    product: ProductRecord,
    planner: Planner,
    options: { slot?: Slot; check?: StoredCheck; complete?: boolean; text?: string } = {},
  ) => {
    const d = await describe(product, options.text ? { text: options.text } : {});
    return store.admit(
      {
        description: d,
        slot: options.slot ?? slotOf(product.id, null),
        check: options.check ?? PASS,
        complete: options.complete ?? true,
        actor: { name: 'ios-app', role: 'mobile' },
      },
      planner,
    );
  };

  test('admit stores the state, version 1 with its check and the events, and runs the planner in the same transaction', async () => {
    const p = product(0);
    const { entry, events } = await admitted(p, submit, { check: BLOCK, complete: false, text: 'Made of silk.' });
    assert.deepEqual(
      {
        status: entry.state.status,
        version: entry.state.version,
        verdict: entry.state.verdict,
        complete: entry.state.complete,
        publishedVersion: entry.state.publishedVersion,
      },
      { status: 'IN_REVIEW', version: 1, verdict: 'BLOCK', complete: false, publishedVersion: null },
    );
    assert.deepEqual(entry.state.slot, { productId: p.id, locale: 'en', channel: 'web', segment: '' });
    assert.deepEqual(
      [entry.version.text, entry.version.authorName, entry.version.authorRole, entry.version.check],
      ['Made of silk.', 'onnx/stylesprint-desc', 'generator', BLOCK],
    );
    assert.deepEqual(
      events.map((e) => [e.action, e.from, e.to, e.version, e.actorName, e.actorRole, e.note]),
      [
        ['CREATE', null, 'DRAFT', 1, 'ios-app', 'mobile', null],
        ['SUBMIT', 'DRAFT', 'IN_REVIEW', 1, 'publish-policy:auto', 'system', 'review policy'],
      ],
    );
    const [created, submitted] = events;
    assert.ok(must(created, 'CREATE event').seq < must(submitted, 'SUBMIT event').seq);
    assert.deepEqual(await store.entries([entry.state.descriptionId, 'no-such-id']), [entry, null]);
    assert.deepEqual(
      await store.slotsInUse([slotOf(p.id, null), slotOf(p.id, null, 'app'), slotOf(p.id, { segment: 'x' })]),
      [true, false, false],
    );
  });

  test('storeGenerated stores the description and admits it in one transaction; what it returns is what reads back', async () => {
    const p = product(10);
    const slot = slotOf(p.id, { segment: 'stored-in-one' });
    const store1 = (planner: Planner, text: string) =>
      store.storeGenerated(
        { description: makeDescription(p.id, { text }), slot, check: PASS, complete: true, actor: SYSTEM },
        planner,
      );
    const live = await store1(autoPublish, 'live text');
    const draft = await store1(submit, 'untouched draft');
    const newest = await store1(autoPublish, 'newest text');
    const id = newest.entry.state.descriptionId;
    assert.equal(newest.entry.description.text, 'newest text');
    assert.deepEqual(await db().descriptions.descriptionById(id), newest.entry.description);
    assert.deepEqual(await store.entries([id, live.entry.state.descriptionId]), [
      newest.entry,
      { ...live.entry, state: { ...live.entry.state, status: 'SUPERSEDED', updatedAt: newest.entry.state.updatedAt } },
    ]);
    assert.deepEqual(
      newest.events.map((e) => [e.descriptionId, e.action, e.from, e.to]),
      [
        [id, 'CREATE', null, 'DRAFT'],
        [draft.entry.state.descriptionId, 'SUPERSEDE', 'IN_REVIEW', 'SUPERSEDED'],
        [id, 'PUBLISH', 'DRAFT', 'PUBLISHED'],
        [live.entry.state.descriptionId, 'SUPERSEDE', 'PUBLISHED', 'SUPERSEDED'],
      ],
    );
    const history = await store.history(p.id, { locale: slot.locale, channel: slot.channel, segment: slot.segment });
    assert.deepEqual(history.events.slice(-newest.events.length), newest.events);
    // A planner that refuses rolls the description back with its state: nothing is left for the sweep to adopt.
    const refused = store1(() => {
      throw new Error('refused');
    }, 'refused text');
    await assert.rejects(refused, /refused/);
    assert.equal((await store.history(p.id, null)).entries.length, 3);
    assert.deepEqual(await store.adoptOrphans(100), 0);
  });

  test('publishing supersedes the slot’s last publication; a shopper read gets the live one only', async () => {
    const p = product(1);
    const first = await admitted(p, autoPublish, { text: 'first text' });
    assert.deepEqual(
      [first.entry.state.status, first.entry.state.publishedVersion, first.entry.state.publishedBy],
      ['PUBLISHED', 1, 'system'],
    );
    const second = await admitted(p, autoPublish, { text: 'second text' });
    assert.deepEqual(
      second.events.map((e) => [e.descriptionId, e.action, e.from, e.to]),
      [
        [second.entry.state.descriptionId, 'CREATE', null, 'DRAFT'],
        [second.entry.state.descriptionId, 'PUBLISH', 'DRAFT', 'PUBLISHED'],
        [first.entry.state.descriptionId, 'SUPERSEDE', 'PUBLISHED', 'SUPERSEDED'],
      ],
    );
    assert.match(
      must(second.events[2], 'SUPERSEDE event').note ?? '',
      new RegExp(`superseded by ${second.entry.state.descriptionId}`),
    );
    const live = await store.publishedForProducts([p.id, product(0).id, p.id]);
    assert.deepEqual(
      live.map((e) => [e.state.descriptionId, e.version.text]),
      [[second.entry.state.descriptionId, 'second text']],
    );
    assert.equal(must((await store.entries([first.entry.state.descriptionId]))[0], 'entry').state.status, 'SUPERSEDED');
  });

  test('the database itself admits one published description per slot', async () => {
    const p = product(1);
    const other = await admitted(p, submit);
    await assert.rejects(
      h.raw(`UPDATE publication_states SET status = 'PUBLISHED' WHERE description_id = ?`, [
        other.entry.state.descriptionId,
      ]),
      /unique|UNIQUE/,
    );
    assert.equal(must((await store.entries([other.entry.state.descriptionId]))[0], 'entry').state.status, 'IN_REVIEW');
  });

  test('a new generated text supersedes the untouched generated drafts of its slot, never one a person edited or approved', async () => {
    const p = product(2);
    const untouched = await admitted(p, submit);
    const edited = await admitted(p, submit);
    await store.change(
      edited.entry.state.descriptionId,
      plan('EDIT', 'IN_REVIEW', { newVersion: { text: 'fixed by hand', check: PASS } }),
    );
    const approved = await admitted(p, submit);
    await store.change(approved.entry.state.descriptionId, plan('APPROVE', 'APPROVED'));
    const elsewhere = await admitted(p, submit, { slot: slotOf(p.id, { locale: 'de-DE' }) });
    // The edited and approved drafts were made after `untouched`: it was already superseded by them as they arrived.
    const newest = await admitted(p, submit);
    const statuses = await store.entries(
      [untouched, edited, approved, elsewhere, newest].map((r) => r.entry.state.descriptionId),
    );
    assert.deepEqual(
      statuses.map((e) => e?.state.status),
      ['SUPERSEDED', 'IN_REVIEW', 'APPROVED', 'IN_REVIEW', 'IN_REVIEW'],
    );
    assert.deepEqual(
      newest.events.map((e) => e.action),
      ['CREATE', 'SUBMIT'],
      'nothing untouched was left to supersede',
    );
  });

  test('an edit adds a version; a published text keeps its live version until the edit is published', async () => {
    const p = product(3);
    const { entry } = await admitted(p, autoPublish, { text: 'as generated' });
    const id = entry.state.descriptionId;
    const edited = must(
      await store.change(
        id,
        plan('EDIT', 'PUBLISHED', { newVersion: { text: 'as edited', check: BLOCK }, note: 'tightened' }),
      ),
      'the edited entry',
    );
    assert.deepEqual(
      [
        edited.entry.state.version,
        edited.entry.state.publishedVersion,
        edited.entry.state.verdict,
        edited.entry.version.text,
      ],
      [2, 1, 'BLOCK', 'as edited'],
    );
    assert.deepEqual(
      [edited.entry.version.authorName, edited.entry.version.note, edited.entry.version.check],
      ['merch-anna', 'tightened', BLOCK],
    );
    assert.deepEqual(
      (await store.publishedForProducts([p.id])).map((e) => e.version.text),
      ['as generated'],
    );
    const republished = must(
      await store.change(id, plan('PUBLISH', 'PUBLISHED', { check: PASS })),
      'the republished entry',
    );
    assert.deepEqual(
      [republished.entry.state.publishedVersion, republished.entry.state.verdict, republished.entry.state.publishedBy],
      [2, 'PASS', 'editor'],
    );
    assert.deepEqual(
      (await store.publishedForProducts([p.id])).map((e) => [e.version.version, e.version.text, e.version.check]),
      [[2, 'as edited', PASS]],
    );
    // Each change returns its entry as written, without reading it back: the same as a read.
    assert.deepEqual(await store.entries([id]), [republished.entry]);
    const history = await store.history(p.id, null);
    assert.deepEqual(history.events.slice(-republished.events.length), republished.events);
  });

  test('a planner that throws rolls the whole change back; null changes nothing; an unknown id is null', async () => {
    const p = product(4);
    const { entry } = await admitted(p, submit);
    const id = entry.state.descriptionId;
    await assert.rejects(
      store.change(id, () => {
        throw new Error('refused');
      }),
      /refused/,
    );
    assert.deepEqual(await store.change(id, () => null), { entry, events: [] });
    assert.equal(await store.change('no-such-id', plan('APPROVE', 'APPROVED')), null);
    const before = await store.history(p.id, null);
    assert.equal(before.events.length, 2);
  });

  test('two editors publishing two texts of one slot at once, from two connections: exactly one is published, the other superseded', async () => {
    const p = product(5);
    const [a, b] = [await admitted(p, submit), await admitted(p, submit)];
    // b superseded a as it arrived: bring a back into review by hand for the race.
    for (const r of [a, b])
      await h.raw(`UPDATE publication_states SET status = 'APPROVED' WHERE description_id = ?`, [
        r.entry.state.descriptionId,
      ]);
    const second = await h.open();
    try {
      const results = await Promise.all([
        store.change(a.entry.state.descriptionId, plan('PUBLISH', 'PUBLISHED', { check: PASS })),
        second.store.change(b.entry.state.descriptionId, plan('PUBLISH', 'PUBLISHED', { check: PASS })),
      ]);
      assert.ok(
        results.every((r) => r?.entry.state.status === 'PUBLISHED'),
        'both publishes committed, one after the other',
      );
    } finally {
      await second.storage.close();
    }
    const states = await store.entries([a.entry.state.descriptionId, b.entry.state.descriptionId]);
    assert.deepEqual(states.map((e) => e?.state.status).sort(), ['PUBLISHED', 'SUPERSEDED']);
    assert.equal((await store.publishedForProducts([p.id])).length, 1);
  });

  test('the queue filters by status, verdict, product, category, provider, model, locale and channel, pages in arrival order, and counts per status', async () => {
    const [dress, maxi, sneaker] = [product(0), product(2), product(5)];
    const made: Array<{
      id: string;
      product: ProductRecord;
      status: DescriptionStatus;
      verdict: string;
      provider: string;
      model: string;
      slot: Slot;
      seq: number;
    }> = [];
    const cases: Array<[ProductRecord, Planner, StoredCheck, string, Slot]> = [
      [dress, submit, BLOCK, 'openai', slotOf(dress.id, { segment: 'q1' }, 'app')],
      [maxi, submit, PASS, 'onnx', slotOf(maxi.id, { locale: 'de-DE', segment: 'q1' })],
      [sneaker, autoPublish, PASS, 'openai', slotOf(sneaker.id, { segment: 'q1' }, 'marketplace')],
      [dress, submit, PASS, 'huggingface', slotOf(dress.id, { segment: 'q2' })],
      [sneaker, submit, BLOCK, 'onnx', slotOf(sneaker.id, { segment: 'q2' }, 'app')],
    ];
    for (const [product, planner, check, provider, slot] of cases) {
      const d = await db().descriptions.insertDescription(
        makeDescription(product.id, { provider, model: `${provider}-model` }),
      );
      const { entry } = await store.admit({ description: d, slot, check, complete: true, actor: SYSTEM }, planner);
      made.push({
        id: d.id,
        product,
        status: entry.state.status,
        verdict: check.verdict,
        provider,
        model: `${provider}-model`,
        slot,
        seq: entry.state.seq,
      });
    }
    const mine = new Set(made.map((m) => m.id));
    const ids = async (filter: Parameters<PublicationStore['queue']>[0], first = 50) => {
      const out: string[] = [];
      let after: number | null = null;
      for (;;) {
        const page = await store.queue(filter, first, after);
        out.push(...page.rows.map((r) => r.state.descriptionId).filter((id) => mine.has(id)));
        if (!page.hasNextPage) return out;
        assert.equal(page.rows.length, first);
        after = must(page.rows.at(-1), 'last row of the page').state.seq;
      }
    };
    const expect = (pred: (m: (typeof made)[number]) => boolean) => made.filter(pred).map((m) => m.id);
    assert.deepEqual(
      await ids({ statuses: ['IN_REVIEW'] }, 2),
      expect((m) => m.status === 'IN_REVIEW'),
    );
    assert.deepEqual(
      await ids({ statuses: ['IN_REVIEW', 'PUBLISHED'], verdicts: ['BLOCK'] }),
      expect((m) => m.verdict === 'BLOCK'),
    );
    assert.deepEqual(
      await ids({ category: 'DRESSES' }),
      expect((m) => m.product.category?.toLowerCase() === 'dresses'),
    );
    assert.deepEqual(
      await ids({ provider: 'openai' }),
      expect((m) => m.provider === 'openai'),
    );
    assert.deepEqual(
      await ids({ model: 'onnx-model' }),
      expect((m) => m.model === 'onnx-model'),
    );
    assert.deepEqual(
      await ids({ locale: 'de-DE' }),
      expect((m) => m.slot.locale === 'de-DE'),
    );
    assert.deepEqual(
      await ids({ channel: 'app', productId: sneaker.id }),
      expect((m) => m.slot.channel === 'app' && m.product.id === sneaker.id),
    );
    assert.deepEqual(await ids({ channel: 'nowhere' }), []);
    const counts = await store.countByStatus({ productId: sneaker.id, statuses: ['REJECTED'] });
    const sneakerAll = await store.history(sneaker.id, null);
    const expected = Object.fromEntries(
      ['DRAFT', 'IN_REVIEW', 'APPROVED', 'PUBLISHED', 'REJECTED', 'SUPERSEDED'].map((s) => [
        s,
        sneakerAll.entries.filter((e) => e.state.status === s).length,
      ]),
    );
    assert.deepEqual(counts, expected, 'counts ignore the status filter');
    assert.ok(counts.PUBLISHED >= 1 && counts.IN_REVIEW >= 1);
  });

  test('history lists the product’s descriptions with every version and event, for one slot or all', async () => {
    const p = product(6);
    const base = await admitted(p, submit, { text: 'v1 text' });
    const id = base.entry.state.descriptionId;
    await store.change(id, plan('EDIT', 'IN_REVIEW', { newVersion: { text: 'v2 text', check: PASS } }));
    await store.change(id, plan('APPROVE', 'APPROVED', { note: 'fine' }));
    const app = await admitted(p, submit, { slot: slotOf(p.id, null, 'app') });
    const all = await store.history(p.id, null);
    assert.deepEqual(
      all.entries.map((e) => e.state.descriptionId),
      [id, app.entry.state.descriptionId],
    );
    assert.deepEqual(
      all.versions.filter((v) => v.descriptionId === id).map((v) => [v.version, v.text, v.authorRole]),
      [
        [1, 'v1 text', 'generator'],
        [2, 'v2 text', 'editor'],
      ],
    );
    assert.deepEqual(
      all.events.filter((e) => e.descriptionId === id).map((e) => e.action),
      ['CREATE', 'SUBMIT', 'EDIT', 'APPROVE'],
    );
    const web = await store.history(p.id, { locale: 'en', channel: 'web', segment: '' });
    assert.deepEqual(
      web.entries.map((e) => e.state.descriptionId),
      [id],
    );
    assert.ok(web.events.every((e) => e.descriptionId === id));
  });

  test('descriptions stored without a state are adopted once as unchecked drafts, and listed for triage with whether a newer text shares their slot', async () => {
    const p = product(7);
    const older = await describe(p, {
      personalization: { locale: 'fr-FR', segment: 'Runners', tone: 'calm' },
      personalizationKey: 'k',
    });
    const newer = await describe(p, {
      personalization: { locale: 'fr-FR', segment: 'runners' },
      personalizationKey: 'k2',
      finishReason: 'length',
    });
    let adopted = 0;
    for (let n = await store.adoptOrphans(1); n > 0; n = await store.adoptOrphans(1)) adopted += n;
    assert.ok(adopted >= 2);
    assert.equal(await store.adoptOrphans(100), 0, 'adopted once');
    const pending = (await store.untriaged(100)).filter((u) =>
      [older.id, newer.id].includes(u.entry.state.descriptionId),
    );
    assert.deepEqual(
      pending.map((u) => [
        u.entry.state.descriptionId,
        u.entry.state.status,
        u.entry.state.verdict,
        u.entry.state.complete,
        u.newerInSlot,
        u.entry.state.slot.segment,
        u.entry.state.slot.locale,
      ]),
      [
        [older.id, 'DRAFT', null, true, true, 'runners', 'fr-FR'],
        [newer.id, 'DRAFT', null, false, false, 'runners', 'fr-FR'],
      ],
    );
    const events = (await store.history(p.id, null)).events;
    assert.deepEqual(
      events.map((e) => [e.action, e.actorName, e.actorRole]),
      [
        ['CREATE', 'migration', 'system'],
        ['CREATE', 'migration', 'system'],
      ],
    );
    // A generation admitted after a sweep adopted it: the admission finishes the draft instead of failing.
    const raced = await describe(p);
    await store.adoptOrphans(100);
    const { entry } = await store.admit(
      { description: raced, slot: slotOf(p.id, null), check: PASS, complete: true, actor: SYSTEM },
      submit,
    );
    assert.deepEqual([entry.state.status, entry.state.verdict, entry.version.check], ['IN_REVIEW', 'PASS', PASS]);
  });

  test('states, versions and events survive close and reopen', async () => {
    const before = await Promise.all(products.map((p) => store.history(p.id, null)));
    await db().close();
    ({ storage, store } = await h.open());
    assert.deepEqual(await Promise.all(products.map((p) => store.history(p.id, null))), before);
  });
}
