import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../helpers/paths.js';
import { must } from '../helpers/must.js';

const docs = [
  'README.md',
  ...readdirSync(path.join(repoRoot, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => path.join('docs', f)),
];

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
function anchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

/** The Markdown outside fenced code blocks, where a `](` is not a link. */
const prose = (text: string) => text.replace(/```[\s\S]*?```/g, '');

function anchorsOf(file: string): Set<string> {
  const headings = prose(readFileSync(file, 'utf8'))
    .split('\n')
    .filter((l) => /^#{1,6} /.test(l));
  return new Set(headings.map((h) => anchor(h.replace(/^#+ /, ''))));
}

/** Every relative link of a file that names no existing file, or no heading of a Markdown file. */
function brokenLinks(rel: string): string[] {
  const file = path.join(repoRoot, rel);
  const links = [...prose(readFileSync(file, 'utf8')).matchAll(/\]\(([^)\s]+)\)/g)].map((m) =>
    must(m[1], 'a link target'),
  );
  return links
    .filter((link) => !/^[a-z]+:/i.test(link))
    .filter((link) => {
      const [target = '', hash] = link.split('#');
      const resolved = target ? path.resolve(path.dirname(file), target) : file;
      if (!existsSync(resolved)) return true;
      return hash !== undefined && resolved.endsWith('.md') && !anchorsOf(resolved).has(hash);
    })
    .map((link) => `${rel}: ${link}`);
}

test('every relative link in README.md and docs/*.md names an existing file, and a heading of it when it has an anchor', () => {
  assert.ok(docs.length > 10, 'the docs are found');
  assert.deepEqual(docs.flatMap(brokenLinks), []);
});

test("anchors follow GitHub's rule for the headings the docs link to, and an unknown one is not found", () => {
  assert.equal(anchor('The review page (`/review`)'), 'the-review-page-review');
  assert.equal(anchor('Decoding: generation_config.json'), 'decoding-generation_configjson');
  assert.ok(!anchorsOf(path.join(repoRoot, 'docs', 'publishing.md')).has('no-such-heading'));
});
