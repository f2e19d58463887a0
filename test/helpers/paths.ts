import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** Repository root; tests run from dist/test/…, so climb out of dist. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** The shared folder beside the checkout (datasets, parity values). */
export const sharedDir = process.env.STYLESPRINT_SHARED_DIR ?? path.resolve(repoRoot, '../shared');

export const chapter4Dir = path.join(sharedDir, 'datasets', 'stylesprint-chapter4');
export const parityDir = path.join(sharedDir, 'parity');
export const fixturesDir = path.join(repoRoot, 'test', 'fixtures');
