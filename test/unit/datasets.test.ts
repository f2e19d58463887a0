import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { chapter4Dir, repoRoot } from '../helpers/paths.js';

const shipped = path.join(repoRoot, 'datasets', 'chapter4');

/** Every file under `dir`, as paths relative to it. */
function files(dir: string, prefix = ''): string[] {
  return readdirSync(path.join(dir, prefix)).flatMap((name) => {
    const rel = path.join(prefix, name);
    return statSync(path.join(dir, rel)).isDirectory() ? files(dir, rel) : [rel];
  });
}

test('the chapter-4 dataset in datasets/chapter4 is the external dataset byte for byte, with its licence', () => {
  const source = files(chapter4Dir).filter((f) => f !== 'README.md');
  assert.ok(source.includes('LICENSE') && source.includes('product_data.csv'));
  // The copy's README is its own (where it came from, what to watch for); everything else is the source's.
  assert.deepEqual(
    files(shipped)
      .filter((f) => f !== 'README.md')
      .sort(),
    source.sort(),
  );
  for (const f of source)
    assert.ok(readFileSync(path.join(shipped, f)).equals(readFileSync(path.join(chapter4Dir, f))), f);
  assert.match(readFileSync(path.join(shipped, 'LICENSE'), 'utf8'), /^MIT License/);
});
