/**
 * The GraphQL text is kept once: an operation or fragment of the clients'
 * contract (clients/mobile, personalization, review) is not copied into the
 * tests' operations (test/operations), under its name or another. A test
 * that needs a client's operation sends the client's document (from the
 * trusted-documents manifest, or REVIEW_DOCUMENTS) rather than a copy.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Kind, parse, print, type DefinitionNode } from 'graphql';
import { repoRoot } from '../helpers/paths.js';

interface Named {
  name: string;
  where: string;
  /** The printed selection: two definitions that select the same fields the same way print alike. */
  selection: string;
}

function definitions(dirs: string[]): Named[] {
  return dirs.flatMap((dir) =>
    readdirSync(path.join(repoRoot, dir))
      .filter((f) => f.endsWith('.graphql'))
      .flatMap((f) =>
        parse(readFileSync(path.join(repoRoot, dir, f), 'utf8')).definitions.flatMap((d: DefinitionNode) =>
          (d.kind === Kind.OPERATION_DEFINITION || d.kind === Kind.FRAGMENT_DEFINITION) && d.name
            ? [{ name: d.name.value, where: `${dir}/${f}`, selection: print(d.selectionSet) }]
            : [],
        ),
      ),
  );
}

test('no operation or fragment of clients/ is kept again in test/operations/', () => {
  const clients = definitions(['clients/mobile', 'clients/personalization', 'clients/review']);
  const tests = definitions(['test/operations']);
  assert.ok(clients.length > 0 && tests.length > 0, 'both trees were read');
  for (const t of tests) {
    const same = clients.find((c) => c.name === t.name || c.selection === t.selection);
    assert.equal(
      same,
      undefined,
      `${t.name} (${t.where}) repeats ${same?.name} (${same?.where}): use the client's document`,
    );
  }
});
