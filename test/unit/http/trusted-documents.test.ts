import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { applyTrustedDocuments, decideDocument, parseTrustedDocuments } from '../../../src/http/trusted-documents.js';
import { parseTrustedDocuments as parseModes } from '../../../src/limits/role-settings.js';
import { ConfigError, loadConfig } from '../../../src/config.js';

const TEXT = 'query A { products(first: 1) { edges { node { id } } } }';
const HASH = createHash('sha256').update(TEXT).digest('hex');
const manifest = parseTrustedDocuments(JSON.stringify({ [`sha256:${HASH}`]: TEXT }), 'test');

test('the manifest holds each document by the sha256 of its text, and refuses an entry that is not', () => {
  assert.equal(manifest.get(HASH), TEXT);
  assert.equal(manifest.size, 1);
  assert.throws(
    () => parseTrustedDocuments(JSON.stringify({ [`sha256:${'a'.repeat(64)}`]: TEXT }), 'm.json'),
    (e: Error) => e instanceof ConfigError && /not the sha256 of its document/.test(e.message),
  );
  assert.throws(() => parseTrustedDocuments(JSON.stringify({ A: TEXT }), 'm.json'), /not "sha256:<64 hex>"/);
  assert.throws(() => parseTrustedDocuments('[1]', 'm.json'), /must be an object/);
  assert.throws(() => parseTrustedDocuments('{', 'm.json'), /is not JSON/);
});

test('TRUSTED_DOCUMENTS: one mode for every role, or per role with allow for the others; require needs a manifest', () => {
  assert.deepEqual(parseModes('require'), {
    mobile: 'require',
    personalization: 'require',
    editor: 'require',
    internal: 'require',
  });
  assert.deepEqual(parseModes('mobile=require'), {
    mobile: 'require',
    personalization: 'allow',
    editor: 'allow',
    internal: 'allow',
  });
  assert.throws(() => parseModes('mobile=strict'), /must be one of off, allow, require/);
  assert.throws(
    () => loadConfig({ trustedDocuments: 'mobile=require' }, {}),
    (e: Error) =>
      e instanceof ConfigError && /TRUSTED_DOCUMENTS: require needs TRUSTED_DOCUMENTS_MANIFEST/.test(e.message),
  );
  assert.equal(loadConfig({}, {}).trustedDocuments.mobile, 'allow');
});

test("decideDocument: an id becomes its text; require passes only the manifest's text or hash", () => {
  assert.deepEqual(decideDocument({ documentId: `sha256:${HASH}` }, 'allow', manifest), { ok: true, query: TEXT });
  assert.deepEqual(decideDocument({ apqHash: HASH }, 'require', manifest), { ok: true, query: TEXT });
  assert.deepEqual(decideDocument({ query: TEXT }, 'require', manifest), { ok: true });
  assert.deepEqual(decideDocument({ query: '{ x }' }, 'allow', manifest), { ok: true });
  const code = (d: ReturnType<typeof decideDocument>) =>
    d.ok ? 'ok' : `${d.refusal.code}${d.refusal.reason ? `/${d.refusal.reason}` : ''}`;
  assert.equal(code(decideDocument({ query: '{ x }' }, 'require', manifest)), 'TRUSTED_DOCUMENT_REQUIRED');
  assert.equal(code(decideDocument({ apqHash: 'b'.repeat(64) }, 'require', manifest)), 'TRUSTED_DOCUMENT_REQUIRED');
  assert.equal(code(decideDocument({}, 'require', manifest)), 'TRUSTED_DOCUMENT_REQUIRED');
  assert.equal(
    code(decideDocument({ documentId: `sha256:${'c'.repeat(64)}` }, 'allow', manifest)),
    'PERSISTED_DOCUMENT_NOT_FOUND',
  );
  assert.equal(
    code(decideDocument({ documentId: `sha256:${HASH}` }, 'off', manifest)),
    'PERSISTED_DOCUMENT_NOT_FOUND/TRUSTED_DOCUMENTS_OFF',
  );
  assert.equal(code(decideDocument({ documentId: HASH }, 'allow', manifest)), 'BAD_USER_INPUT/INVALID_DOCUMENT_ID');
  assert.equal(code(decideDocument({ documentId: 42 }, 'allow', manifest)), 'BAD_USER_INPUT/INVALID_DOCUMENT_ID');
  assert.equal(
    code(decideDocument({ documentId: `sha256:${HASH}`, query: TEXT }, 'allow', manifest)),
    'BAD_USER_INPUT/DOCUMENT_ID_AND_QUERY',
  );
});

test('applyTrustedDocuments rewrites a POST body and a GET query string to the text, keeping the variables', () => {
  const policy = {
    manifest,
    modes: { mobile: 'require', personalization: 'allow', editor: 'allow', internal: 'off' } as const,
  };
  const post = applyTrustedDocuments(policy, 'mobile', {
    body: { documentId: `sha256:${HASH}`, variables: { a: 1 } },
    search: '',
  });
  assert.deepEqual(post, { ok: true, body: { query: TEXT, variables: { a: 1 } }, search: '' });
  const get = applyTrustedDocuments(policy, 'mobile', {
    body: undefined,
    search: `?documentId=sha256%3A${HASH}&variables=%7B%7D`,
  });
  assert.ok(get.ok);
  const params = new URLSearchParams(get.search);
  assert.equal(params.get('query'), TEXT);
  assert.equal(params.get('variables'), '{}');
  assert.equal(params.has('documentId'), false);
  const refused = applyTrustedDocuments(policy, 'mobile', { body: undefined, search: '?query=%7Bx%7D' });
  assert.equal(refused.ok ? 'ok' : refused.refusal.code, 'TRUSTED_DOCUMENT_REQUIRED');
  // Not an object: Apollo's own refusal answers it.
  assert.deepEqual(applyTrustedDocuments(policy, 'personalization', { body: 'text', search: '' }), {
    ok: true,
    body: 'text',
    search: '',
  });
});
