/**
 * Writes src/http/review/documents.ts (`npm run codegen`, after GraphQL Code
 * Generator has written the manifest): the review page's operations from
 * clients/review/*.graphql, each as the trusted-documents manifest's exact
 * text, so that the page's requests are manifest documents and an editor
 * key under TRUSTED_DOCUMENTS=editor=require may send them.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Kind, parse } from 'graphql';
import { appRoot } from '../src/config.js';

export const REVIEW_DOCUMENTS_FILE = path.join(appRoot, 'src', 'http', 'review', 'documents.ts');
const SOURCES = path.join(appRoot, 'clients', 'review');
const MANIFEST = path.join(appRoot, 'clients', 'generated', 'persisted-documents.json');

const operationNames = (text: string): string[] =>
  parse(text).definitions.flatMap((d) => (d.kind === Kind.OPERATION_DEFINITION && d.name ? [d.name.value] : []));

/** The module's text, from the review operations and the manifest as they are on disk; throws for an operation the manifest lacks. */
export function renderReviewDocuments(): string {
  const manifest = JSON.parse(readFileSync(MANIFEST, 'utf8')) as Record<string, string>;
  const byName = new Map(
    Object.values(manifest).flatMap((text) => operationNames(text).map((name) => [name, text] as const)),
  );
  const names = readdirSync(SOURCES)
    .filter((f) => f.endsWith('.graphql'))
    .sort()
    .flatMap((f) => operationNames(readFileSync(path.join(SOURCES, f), 'utf8')));
  const lines = names.map((name) => {
    const text = byName.get(name);
    if (text === undefined)
      throw new Error(`${name} is not in ${path.relative(appRoot, MANIFEST)}: run npm run codegen`);
    return `  ${name}: ${JSON.stringify(text)},`;
  });
  return [
    '// Written by `npm run codegen` (tools/review-documents.ts) from clients/review/*.graphql and the',
    '// trusted-documents manifest: do not edit.',
    '',
    "/** The review page's operations, each the manifest's exact text (a trusted document under TRUSTED_DOCUMENTS=require). */",
    'export const REVIEW_DOCUMENTS = {',
    ...lines,
    '} as const;',
    '',
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(REVIEW_DOCUMENTS_FILE, renderReviewDocuments());
  console.log(`wrote ${path.relative(appRoot, REVIEW_DOCUMENTS_FILE)}`);
}
