/** Why a model could not be had from the Hub or its cache. */
export type HubErrorCode =
  /** The repo, revision or file does not exist. */
  | 'not_found'
  /** 401/403: a gated or private repo, and no token or one without access. */
  | 'gated'
  /** The Hub could not be reached, and the cache does not hold the model. */
  | 'unreachable'
  /** Offline (HF_HUB_OFFLINE), and the cache does not hold the model. */
  | 'not_cached'
  /** A downloaded file's size or hash differs from what the Hub said. */
  | 'verification_failed'
  /** The repo has no file the local provider can run, or the Hub's answer is not what it should be. */
  | 'bad_response';

export class HubError extends Error {
  override readonly name = 'HubError';
  constructor(
    readonly code: HubErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
