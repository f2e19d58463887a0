/**
 * Fetches a model export from the Hugging Face Hub into the standard cache
 * (see cache.ts) and returns its snapshot folder, which the local provider
 * reads like any model folder. The repo's commit and file list come from
 * @huggingface/hub (`modelInfo`, `listFiles`); each file's download, resume
 * and verification are download.ts's, which that package does not do.
 *
 * Offline (`offline: true`, HF_HUB_OFFLINE=1) nothing is sent: the revision
 * is looked up in refs/ and the snapshot must hold the files. Online, a Hub
 * that cannot be reached falls back to the cache in the same way, with a
 * warning, as huggingface_hub does.
 */
import { existsSync } from 'node:fs';
import { HubApiError, listFiles, modelInfo } from '@huggingface/hub';
import { repoCache, COMMIT_RE, type RepoCache } from './cache.js';
import { fetchBlob, probeFile, statusError, type HubRequest, type RemoteFile } from './download.js';
import { HubError } from './errors.js';
import { graphCandidates } from '../onnx/model-folder.js';
import { REQUIRED_FILES, selectModelFiles } from './files.js';

export { HubError, type HubErrorCode } from './errors.js';
export { repoFolderName } from './cache.js';

/** The public Hub. */
export const DEFAULT_HUB_ENDPOINT = 'https://huggingface.co';

export interface HubLogger {
  info(message: string): void;
  warn(message: string): void;
}

export interface FetchModelOptions {
  /** The repo, `org/name`. */
  repo: string;
  /** Branch, tag or commit. Default 'main'. */
  revision?: string;
  /** The graph variant: a path (`onnx/model_q4.onnx`) or a bare name looked for in onnx/ and then the top. Default: `onnx/model.onnx`, else the exporters' other usual names. */
  modelFile?: string | undefined;
  /** The hub cache folder (`$HF_HOME/hub`). */
  cacheDir: string;
  /** The Hub's origin. Default https://huggingface.co (HF_ENDPOINT). */
  endpoint?: string | undefined;
  /** A Hub token (`hf_…`) for gated and private repos. Default: none. */
  token?: string | undefined;
  /** Cache only: no request is sent. Default false. */
  offline?: boolean;
  /** Default: the global fetch. */
  fetch?: typeof fetch;
  /** Where the few progress lines go. Default: none. */
  logger?: HubLogger;
  /** Called as bytes arrive, with the bytes done and to do in all (for a readiness reason). */
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

export interface FetchedModel {
  /** The snapshot folder: a model folder in the Hugging Face layout. */
  dir: string;
  commit: string;
  /** The graph's path in the folder. */
  graph: string;
  /** Bytes downloaded by this call (0 when everything was cached). */
  downloadedBytes: number;
}

/** Parses `org/name[@revision]`; throws a TypeError naming the setting's problem. */
export function parseModelRef(ref: string): { repo: string; revision: string } {
  const groups = /^(?<repo>[\w.-]+\/[\w.-]+)(?:@(?<revision>[\w./-]+))?$/.exec(ref.trim())?.groups;
  const repo = groups?.repo;
  if (repo === undefined || repo.split('/').some((part) => part === '.' || part === '..')) {
    throw new TypeError(`must be a Hub repo as org/name or org/name@revision; got ${JSON.stringify(ref)}`);
  }
  return { repo, revision: groups?.revision ?? 'main' };
}

function sizeText(bytes: number): string {
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GB`;
}

/** The cached snapshot of `revision`, or a HubError naming the repo and what is missing. */
function fromCache(
  cache: RepoCache,
  repo: string,
  revision: string,
  modelFile: string | undefined,
  why: 'not_cached' | 'unreachable',
  reason: string,
): FetchedModel {
  const commit = COMMIT_RE.test(revision) ? revision : cache.readRef(revision);
  if (!commit) throw new HubError(why, `${repo}@${revision} is not in the cache (${cache.root}); ${reason}`);
  const missing = REQUIRED_FILES.filter((f) => !cache.hasSnapshotFile(commit, f));
  const graph = graphCandidates(modelFile).find((f) => cache.hasSnapshotFile(commit, f));
  if (missing.length || !graph) {
    const what = [...missing, ...(graph ? [] : [modelFile ?? 'onnx/model.onnx'])].join(', ');
    throw new HubError(why, `${repo}@${revision} is only partly in the cache (missing ${what}); ${reason}`);
  }
  return { dir: cache.snapshotDir(commit), commit, graph, downloadedBytes: 0 };
}

/** The repo's commit for `revision` and its file paths, from the Hub's API. */
async function listRepo(
  options: FetchModelOptions,
  revision: string,
  request: HubRequest,
): Promise<{ commit: string; paths: string[] }> {
  const what = `${options.repo}@${revision}`;
  const common = {
    hubUrl: options.endpoint ?? DEFAULT_HUB_ENDPOINT,
    fetch: request.fetch,
    ...(options.token ? { accessToken: options.token } : {}),
  };
  try {
    const info = await modelInfo({ ...common, name: options.repo, revision, additionalFields: ['sha'] });
    const commit = (info as { sha?: unknown }).sha;
    if (typeof commit !== 'string' || !COMMIT_RE.test(commit))
      throw new HubError('bad_response', `${what}: the Hub sent no commit id`);
    const paths: string[] = [];
    for await (const entry of listFiles({
      ...common,
      repo: { type: 'model', name: options.repo },
      revision: commit,
      recursive: true,
    })) {
      if (entry.type === 'file') paths.push(entry.path);
    }
    return { commit, paths };
  } catch (error) {
    if (error instanceof HubError) throw error;
    if (error instanceof HubApiError) throw statusError(error.statusCode, what);
    if (options.signal?.aborted) throw error;
    // @huggingface/hub checks the token's form before sending it.
    if (error instanceof TypeError && /access token/i.test(error.message))
      throw new HubError('gated', `${what}: ${error.message}`);
    throw new HubError('unreachable', `${what}: the Hub could not be reached (${(error as Error).message})`, {
      cause: error,
    });
  }
}

/**
 * Makes sure the export's files are in the cache and returns the snapshot.
 * Rejects with a HubError: `not_found`, `gated`, `unreachable` or
 * `not_cached` (nothing usable cached), `verification_failed`, `bad_response`.
 */
export async function fetchModel(options: FetchModelOptions): Promise<FetchedModel> {
  const revision = options.revision ?? 'main';
  const cache = repoCache(options.cacheDir, options.repo);
  if (options.offline)
    return fromCache(
      cache,
      options.repo,
      revision,
      options.modelFile,
      'not_cached',
      'HF_HUB_OFFLINE is set, so nothing is downloaded',
    );
  const endpoint = (options.endpoint ?? DEFAULT_HUB_ENDPOINT).replace(/\/+$/, '');
  const request: HubRequest = {
    fetch: options.fetch ?? fetch,
    headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
    signal: options.signal,
  };
  let listing: { commit: string; paths: string[] };
  try {
    listing = await listRepo(options, revision, request);
  } catch (error) {
    if (!(error instanceof HubError && error.code === 'unreachable')) throw error;
    const cached = fromCache(cache, options.repo, revision, options.modelFile, 'unreachable', error.message);
    options.logger?.warn(`${options.repo}: the Hub could not be reached; using the cached snapshot ${cached.commit}`);
    return cached;
  }
  const { commit } = listing;
  const { graph, files } = selectModelFiles(options.repo, listing.paths, options.modelFile);
  const pending: Array<{ file: string; remote: RemoteFile }> = [];
  for (const file of files) {
    if (cache.hasSnapshotFile(commit, file)) continue;
    const remote = await probeFile(
      request,
      `${endpoint}/${options.repo}/resolve/${commit}/${file.split('/').map(encodeURIComponent).join('/')}`,
      `${options.repo}/${file}`,
    );
    pending.push({ file, remote });
  }
  const total = pending.reduce((sum, p) => sum + p.remote.size, 0);
  let done = 0;
  let nextQuarter = 1;
  if (pending.length)
    options.logger?.info(
      `downloading ${options.repo}@${commit.slice(0, 12)}: ${pending.length} files, ${sizeText(total)}`,
    );
  for (const { file, remote } of pending) {
    const blob = cache.blobPath(remote.etag);
    if (!existsSync(blob)) {
      await fetchBlob(request, remote, blob, new URL(endpoint).origin, `${options.repo}/${file}`, {
        onResume: (offset) => {
          done += offset;
          options.logger?.info(`${options.repo}: resuming ${file} at ${sizeText(offset)} of ${sizeText(remote.size)}`);
        },
        onBytes: (bytes) => {
          done += bytes;
          options.onProgress?.(done, total);
          // A line per quarter of the whole download, not one per chunk.
          while (total > 0 && done >= (total * nextQuarter) / 4 && nextQuarter < 4) {
            options.logger?.info(`downloading ${options.repo}: ${nextQuarter * 25}% of ${sizeText(total)}`);
            nextQuarter++;
          }
        },
      });
    }
    cache.linkSnapshotFile(commit, file, remote.etag);
  }
  if (revision !== commit) cache.writeRef(revision, commit);
  if (pending.length)
    options.logger?.info(`downloaded and verified ${options.repo}@${commit.slice(0, 12)} (${sizeText(total)})`);
  return { dir: cache.snapshotDir(commit), commit, graph, downloadedBytes: done };
}
