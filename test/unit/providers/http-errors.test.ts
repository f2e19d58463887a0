import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { kindForStatus, parseRetryAfter, redact, toProviderError } from '../../../providers/http-errors.js';
import { ProviderError } from '../../../providers/types.js';

describe('parseRetryAfter', () => {
  it('reads delta-seconds', () => {
    assert.equal(parseRetryAfter('2'), 2000);
    assert.equal(parseRetryAfter(' 0 '), 0);
    assert.equal(parseRetryAfter('1.5'), 1500);
  });

  it('reads an HTTP date relative to now, never negative', () => {
    const now = Date.parse('2024-05-01T10:00:00Z');
    assert.equal(parseRetryAfter('Wed, 01 May 2024 10:00:30 GMT', now), 30_000);
    assert.equal(parseRetryAfter('Wed, 01 May 2024 09:59:00 GMT', now), 0);
  });

  it('returns undefined for absent or unreadable values', () => {
    assert.equal(parseRetryAfter(undefined), undefined);
    assert.equal(parseRetryAfter(null), undefined);
    assert.equal(parseRetryAfter(''), undefined);
    assert.equal(parseRetryAfter('soon'), undefined);
  });
});

describe('kindForStatus', () => {
  const table: Array<[number, string, string]> = [
    [429, '', 'rate_limited'],
    [401, '', 'auth'],
    [403, '', 'auth'],
    [408, '', 'timeout'],
    [400, 'bad param', 'bad_request'],
    [404, 'no such model', 'bad_request'],
    [422, 'Input validation error: `inputs` tokens + `max_new_tokens` must be <= 2048', 'context_length'],
    [400, 'context_length_exceeded', 'context_length'],
    [400, "triggering Azure OpenAI's content management policy", 'content_filtered'],
    [400, 'content_filter', 'content_filtered'],
    [500, 'context_length', 'unavailable'],
    [502, '', 'unavailable'],
    [503, '', 'unavailable'],
  ];
  for (const [status, body, kind] of table) {
    it(`${status} ${body || '(no body)'} → ${kind}`, () => {
      assert.equal(kindForStatus(status, body), kind);
    });
  }
});

describe('redact', () => {
  it('removes configured secrets and key-shaped strings', () => {
    assert.equal(
      redact('bad key sk-abcdef123456 and mysecretvalue', ['mysecretvalue']),
      'bad key [redacted] and [redacted]',
    );
    assert.equal(redact('token hf_abcdefghij rejected'), 'token [redacted] rejected');
  });
});

describe('toProviderError', () => {
  it('finds status and Retry-After on a wrapped cause', () => {
    const sdkError = Object.assign(new Error('429 slow down'), {
      status: 429,
      headers: new Headers({ 'retry-after': '7' }),
    });
    const wrapped = new Error('wrapper', { cause: sdkError });
    const mapped = toProviderError('p1', wrapped);
    assert.equal(mapped.kind, 'rate_limited');
    assert.equal(mapped.status, 429);
    assert.equal(mapped.retryAfterMs, 7000);
    assert.equal(mapped.providerId, 'p1');
  });

  it('reads the Hugging Face client error shape (httpResponse.status/body)', () => {
    const hfError = Object.assign(new Error('Failed to perform inference'), {
      httpResponse: { status: 422, body: { error: 'Input is too long' } },
    });
    assert.equal(toProviderError('hf', hfError).kind, 'context_length');
  });

  it('puts our timeout and a caller abort before everything else', () => {
    const error = Object.assign(new Error('x'), { status: 500 });
    assert.equal(toProviderError('p', error, { timedOut: true }).kind, 'timeout');
    const aborted = toProviderError('p', error, { aborted: true });
    assert.equal(aborted.kind, 'timeout');
    assert.match(aborted.message, /aborted by caller/);
  });

  it('maps network errors and unknown failures to unavailable, and passes ProviderErrors through', () => {
    assert.equal(toProviderError('p', new TypeError('fetch failed')).kind, 'unavailable');
    assert.equal(toProviderError('p', new SyntaxError('Unexpected end of JSON input')).kind, 'unavailable');
    const original = new ProviderError('auth', 'p', 'nope');
    assert.equal(toProviderError('other', original), original);
  });

  it('keeps keys out of the message', () => {
    const error = Object.assign(new Error('401 Incorrect API key provided: sk-live-abcdef123456'), { status: 401 });
    const mapped = toProviderError('p', error, { secrets: ['sk-live-abcdef123456'] });
    assert.equal(mapped.kind, 'auth');
    assert.doesNotMatch(mapped.message, /abcdef123456/);
  });
});
