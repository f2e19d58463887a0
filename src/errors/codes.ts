/** Public error codes, sent in `extensions.code`. Clients may branch on them; they never change meaning. */
export enum ErrorCode {
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  NOT_FOUND = 'NOT_FOUND',
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  RATE_LIMITED = 'RATE_LIMITED',
  PROVIDER_UNAVAILABLE = 'PROVIDER_UNAVAILABLE',
  PROVIDER_NOT_CONFIGURED = 'PROVIDER_NOT_CONFIGURED',
  PAYLOAD_TOO_LARGE = 'PAYLOAD_TOO_LARGE',
  STREAM_INTERRUPTED = 'STREAM_INTERRUPTED',
  GRAPHQL_PARSE_FAILED = 'GRAPHQL_PARSE_FAILED',
  GRAPHQL_VALIDATION_FAILED = 'GRAPHQL_VALIDATION_FAILED',
  TIMEOUT = 'TIMEOUT',
  /** Apollo's automatic persisted queries: the hash is not registered yet; send it again with the query text (the APQ protocol's own code, kept so APQ clients follow it). */
  PERSISTED_QUERY_NOT_FOUND = 'PERSISTED_QUERY_NOT_FOUND',
  /** A `documentId` the trusted-documents manifest does not hold (or the role sends text only): send the query text, or a document of the manifest. HTTP 400. */
  PERSISTED_DOCUMENT_NOT_FOUND = 'PERSISTED_DOCUMENT_NOT_FOUND',
  /** The role accepts only documents of the manifest (TRUSTED_DOCUMENTS=require): this text, or APQ hash, is not one. HTTP 400. */
  TRUSTED_DOCUMENT_REQUIRED = 'TRUSTED_DOCUMENT_REQUIRED',
  /** A spending cap (BUDGETS) has no room for the request: nothing was sent to a provider. HTTP 429 with Retry-After (when the cap resets). */
  BUDGET_EXCEEDED = 'BUDGET_EXCEEDED',
  /** A publish refused by the publication gate (the fact check blocks the text, or it is cut off); `reason` says which. */
  PUBLISH_BLOCKED = 'PUBLISH_BLOCKED',
  /** The gateway is draining for shutdown: retry on another replica. */
  SHUTTING_DOWN = 'SHUTTING_DOWN',
  INTERNAL = 'INTERNAL',
}
