/**
 * The review page sends only trusted documents: src/http/review/documents.ts
 * is what `npm run codegen` writes from clients/review/*.graphql and the
 * manifest, and each text in it is a manifest entry as it stands. The image
 * carries the manifest and points the gateway at it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DockerfileParser } from 'dockerfile-ast';
import { REVIEW_DOCUMENTS } from '../../../src/http/review/documents.js';
import { REVIEW_DOCUMENTS_FILE, renderReviewDocuments } from '../../../tools/review-documents.js';
import { repoRoot } from '../../helpers/paths.js';
import { must } from '../../helpers/must.js';

const manifest = JSON.parse(
  readFileSync(path.join(repoRoot, 'clients', 'generated', 'persisted-documents.json'), 'utf8'),
) as Record<string, string>;

test('src/http/review/documents.ts is what codegen writes (run `npm run codegen`)', () => {
  const committed = readFileSync(path.join(repoRoot, 'src', 'http', 'review', 'documents.ts'), 'utf8');
  assert.equal(path.relative(repoRoot, REVIEW_DOCUMENTS_FILE), path.join('src', 'http', 'review', 'documents.ts'));
  assert.equal(
    committed,
    renderReviewDocuments(),
    'src/http/review/documents.ts is stale: run `npm run codegen` and commit it',
  );
});

test('every operation of the review pages is a manifest document, by the sha256 of its exact text', () => {
  assert.deepEqual(Object.keys(REVIEW_DOCUMENTS), [
    'ReviewExperiments',
    'ReviewExperiment',
    'ReviewQueue',
    'ReviewDescription',
    'ReviewApprove',
    'ReviewReject',
    'ReviewPublish',
    'ReviewEdit',
    'ReviewBulkApprove',
  ]);
  for (const [name, text] of Object.entries(REVIEW_DOCUMENTS)) {
    const id = `sha256:${createHash('sha256').update(text).digest('hex')}`;
    assert.equal(manifest[id], text, `${name} is in the manifest`);
  }
});

test('both runtime images carry the manifest and name it in TRUSTED_DOCUMENTS_MANIFEST', () => {
  const stages = DockerfileParser.parse(readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8'));
  const instructions = stages.getInstructions();
  for (const target of ['cpu', 'gpu']) {
    const from = stages.getFROMs().findIndex((f) => f.getBuildStage() === target);
    const start = must(stages.getFROMs()[from], `the ${target} stage`).getRange().start.line;
    const end = stages.getFROMs()[from + 1]?.getRange().start.line ?? Number.POSITIVE_INFINITY;
    const own = instructions
      .filter((i) => i.getRange().start.line > start && i.getRange().start.line < end)
      .map((i) => `${i.getKeyword()} ${i.getArgumentsContent() ?? ''}`);
    assert.ok(
      own.includes('COPY clients/generated/persisted-documents.json ./clients/generated/persisted-documents.json'),
      `${target} copies the manifest`,
    );
    assert.ok(
      own.includes('ENV TRUSTED_DOCUMENTS_MANIFEST=/app/clients/generated/persisted-documents.json'),
      `${target} names it`,
    );
    assert.ok(own.includes('WORKDIR /app'), `${target} works in /app`);
  }
});
