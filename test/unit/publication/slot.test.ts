import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphQLError } from 'graphql';
import { checkChannel, DEFAULT_CHANNEL, fallbackSlots, slotOf } from '../../../src/publication/slot.js';

test('a slot is the locale and segment of the personalization (not its tone or keywords) and the channel', () => {
  assert.deepEqual(slotOf('p1', undefined), { productId: 'p1', locale: 'en', channel: 'web', segment: '' });
  assert.deepEqual(slotOf('p1', { locale: 'en-GB', segment: ' Commuters ' }, 'app'), {
    productId: 'p1',
    locale: 'en-GB',
    channel: 'app',
    segment: 'commuters',
  });
  assert.deepEqual(slotOf('p1', { locale: null, segment: null }), slotOf('p1', null));
});

test('channels: a lower-case name, default web; anything else is INVALID_CHANNEL', () => {
  assert.equal(checkChannel(undefined), DEFAULT_CHANNEL);
  assert.equal(checkChannel(null), 'web');
  assert.equal(checkChannel(' marketplace '), 'marketplace');
  assert.equal(checkChannel('app-eu-2'), 'app-eu-2');
  for (const bad of ['', 'Web', 'web shop', '2app', 'a'.repeat(33), 'app;drop', 'ap\u0000p']) {
    assert.throws(
      () => checkChannel(bad),
      (e: unknown) => e instanceof GraphQLError && e.extensions.reason === 'INVALID_CHANNEL',
      JSON.stringify(bad),
    );
  }
});

test('a read falls back from the slot to its base text, the default channel, then the language, never to another language', () => {
  const slots = fallbackSlots(slotOf('p', { locale: 'de-AT', segment: 'runners' }, 'app'));
  assert.deepEqual(
    slots.map((s) => [s.locale, s.channel, s.segment]),
    [
      ['de-AT', 'app', 'runners'],
      ['de-AT', 'app', ''],
      ['de-AT', 'web', ''],
      ['de', 'web', ''],
    ],
  );
  assert.deepEqual(
    fallbackSlots(slotOf('p', undefined)).length,
    1,
    'the base slot of the default channel and language is its own only fallback',
  );
  assert.deepEqual(
    fallbackSlots(slotOf('p', { locale: 'en-GB' })).map((s) => s.locale),
    ['en-GB', 'en'],
  );
});
