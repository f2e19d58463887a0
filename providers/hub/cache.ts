/**
 * The Hugging Face cache layout, as huggingface_hub writes it, so that a model
 * fetched here is found by Python tools and the other way round:
 *
 * ```
 * <cacheDir>/models--<org>--<name>/
 *   blobs/<etag>                       the file's bytes, named by its sha256 (LFS) or git blob sha1
 *   blobs/<etag>.incomplete            a download under way (resumed from its length)
 *   snapshots/<commit>/<path>          relative links into blobs/
 *   refs/<revision>                    the commit a branch or tag pointed to when last fetched
 * ```
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** A commit id: what `refs/<revision>` holds and what `snapshots/` is keyed by. */
export const COMMIT_RE = /^[0-9a-f]{40}$/;

/** `models--org--name`: the folder of one model repo in the cache. */
export function repoFolderName(repo: string): string {
  return `models--${repo.split('/').join('--')}`;
}

export interface RepoCache {
  readonly root: string;
  blobPath(etag: string): string;
  snapshotDir(commit: string): string;
  /** The commit `refs/<revision>` names, or null when it was never fetched. */
  readRef(revision: string): string | null;
  writeRef(revision: string, commit: string): void;
  /** Whether `snapshots/<commit>/<file>` exists and its link resolves. */
  hasSnapshotFile(commit: string, file: string): boolean;
  /** Links `snapshots/<commit>/<file>` to the blob, replacing a stale link. */
  linkSnapshotFile(commit: string, file: string, etag: string): void;
}

/** The cache of one repo under `cacheDir` (`$HF_HOME/hub`). */
export function repoCache(cacheDir: string, repo: string): RepoCache {
  const root = path.join(cacheDir, repoFolderName(repo));
  const snapshotDir = (commit: string) => path.join(root, 'snapshots', commit);
  const refFile = (revision: string) => path.join(root, 'refs', ...revision.split('/'));
  return {
    root,
    blobPath: (etag) => path.join(root, 'blobs', etag),
    snapshotDir,
    readRef(revision) {
      const file = refFile(revision);
      if (!existsSync(file)) return null;
      const commit = readFileSync(file, 'utf8').trim();
      return COMMIT_RE.test(commit) ? commit : null;
    },
    writeRef(revision, commit) {
      const file = refFile(revision);
      mkdirSync(path.dirname(file), { recursive: true });
      // Written whole and renamed, so a reader never sees half a commit id.
      writeFileSync(`${file}.tmp`, commit);
      renameSync(`${file}.tmp`, file);
    },
    hasSnapshotFile(commit, file) {
      try {
        return statSync(path.join(snapshotDir(commit), file)).isFile();
      } catch {
        return false;
      }
    },
    linkSnapshotFile(commit, file, etag) {
      const link = path.join(snapshotDir(commit), file);
      mkdirSync(path.dirname(link), { recursive: true });
      rmSync(link, { force: true });
      // Relative, as huggingface_hub makes them, so the cache can be moved or mounted elsewhere.
      symlinkSync(path.relative(path.dirname(link), path.join(root, 'blobs', etag)), link);
    },
  };
}
