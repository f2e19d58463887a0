/**
 * Trusted documents (persisted queries): the manifest codegen writes for the
 * project's clients (`{ "sha256:<hex>": "<document>" }`), and the step of the
 * HTTP handler that turns a `documentId` into its text and holds a role to
 * the manifest (TRUSTED_DOCUMENTS). See docs/trusted-documents.md.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Role } from '../auth/roles.js';
import { ErrorCode } from '../errors/codes.js';
import type { PerRole, TrustedDocumentsMode } from '../limits/role-settings.js';
import { ConfigError } from '../startup.js';

const DOCUMENT_ID = /^sha256:([0-9a-f]{64})$/;

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** The manifest: document text by the hex sha256 of that text. Read once at start, never changed. */
export interface TrustedDocuments {
  get(hash: string): string | undefined;
  readonly size: number;
}

export const NO_TRUSTED_DOCUMENTS: TrustedDocuments = { get: () => undefined, size: 0 };

/**
 * The manifest from its JSON text. Every key must be `sha256:` and the hex
 * sha256 of its document, the same hash Apollo keys its parsed-document cache
 * and APQ by, so that an id, an APQ hash and the text itself all name one entry.
 */
export function parseTrustedDocuments(json: string, source: string): TrustedDocuments {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw new ConfigError(`TRUSTED_DOCUMENTS_MANIFEST ${source} is not JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`TRUSTED_DOCUMENTS_MANIFEST ${source} must be an object of "sha256:<hex>": "<document>"`);
  }
  const documents = new Map<string, string>();
  for (const [id, text] of Object.entries(parsed)) {
    const hash = DOCUMENT_ID.exec(id)?.[1];
    if (hash === undefined || typeof text !== 'string')
      throw new ConfigError(
        `TRUSTED_DOCUMENTS_MANIFEST ${source}: entry "${id}" is not "sha256:<64 hex>": "<document>"`,
      );
    if (sha256(text) !== hash)
      throw new ConfigError(`TRUSTED_DOCUMENTS_MANIFEST ${source}: entry "${id}" is not the sha256 of its document`);
    documents.set(hash, text);
  }
  return { get: (hash) => documents.get(hash), size: documents.size };
}

/** The manifest file named by TRUSTED_DOCUMENTS_MANIFEST; none when unset. */
export function loadTrustedDocuments(file: string | undefined): TrustedDocuments {
  if (file === undefined) return NO_TRUSTED_DOCUMENTS;
  let json: string;
  try {
    json = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `TRUSTED_DOCUMENTS_MANIFEST cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  return parseTrustedDocuments(json, file);
}

/** What the request names: a documentId, query text, an APQ hash (any may be absent or of the wrong type). */
export interface RequestedDocument {
  documentId?: unknown;
  query?: unknown;
  apqHash?: unknown;
}

export interface DocumentRefusal {
  code: ErrorCode;
  message: string;
  reason?: string;
}

/** The query text to run in place of the request's own (undefined: leave the request as it is), or why it is refused. */
export type DocumentDecision = { ok: true; query?: string } | { ok: false; refusal: DocumentRefusal };

/**
 * The trusted-documents rule for one request. A manifest document's id runs
 * its text, which Apollo finds already parsed and validated (its document
 * cache is keyed by the text's sha256); under `require` text and APQ hashes
 * pass only when they are the manifest's, so no other document is parsed.
 */
export function decideDocument(
  requested: RequestedDocument,
  mode: TrustedDocumentsMode,
  manifest: TrustedDocuments,
): DocumentDecision {
  const { documentId, query, apqHash } = requested;
  if (documentId !== undefined) {
    if (mode === 'off')
      return refuse(
        ErrorCode.PERSISTED_DOCUMENT_NOT_FOUND,
        'this key sends query text: documentId is not accepted for its role',
        'TRUSTED_DOCUMENTS_OFF',
      );
    if (query !== undefined)
      return refuse(ErrorCode.BAD_USER_INPUT, 'send either documentId or query, not both', 'DOCUMENT_ID_AND_QUERY');
    const hash = typeof documentId === 'string' ? DOCUMENT_ID.exec(documentId)?.[1] : undefined;
    if (hash === undefined)
      return refuse(
        ErrorCode.BAD_USER_INPUT,
        'documentId must be "sha256:" and 64 lowercase hex digits',
        'INVALID_DOCUMENT_ID',
      );
    const text = manifest.get(hash);
    if (text === undefined) return refuse(ErrorCode.PERSISTED_DOCUMENT_NOT_FOUND, `no trusted document sha256:${hash}`);
    return { ok: true, query: text };
  }
  // An APQ hash the manifest knows needs no registration: its text is here.
  const known = typeof apqHash === 'string' ? manifest.get(apqHash) : undefined;
  if (known !== undefined && query === undefined) return { ok: true, query: known };
  if (mode !== 'require') return { ok: true };
  if (known !== undefined || (typeof query === 'string' && manifest.get(sha256(query)) !== undefined))
    return { ok: true };
  return refuse(
    ErrorCode.TRUSTED_DOCUMENT_REQUIRED,
    'this key may send only trusted documents: send the documentId of a document in the manifest',
  );
}

function refuse(code: ErrorCode, message: string, reason?: string): DocumentDecision {
  return { ok: false, refusal: { code, message, ...(reason ? { reason } : {}) } };
}

export interface TrustedDocumentsPolicy {
  manifest: TrustedDocuments;
  modes: PerRole<TrustedDocumentsMode>;
}

/**
 * Applies the rule to the body (POST) or the query string (GET) Apollo is
 * about to get, returning the one to hand it instead. A body that is not an
 * object is left to Apollo, which refuses it.
 */
export function applyTrustedDocuments(
  policy: TrustedDocumentsPolicy,
  role: Role,
  request: { body: unknown; search: string },
): { ok: true; body: unknown; search: string } | { ok: false; refusal: DocumentRefusal } {
  const mode = policy.modes[role];
  if (request.body !== undefined) {
    if (typeof request.body !== 'object' || request.body === null) return { ok: true, ...request };
    const body = request.body as Record<string, unknown>;
    const decision = decideDocument(
      { documentId: body.documentId, query: body.query, apqHash: apqHashOf(body.extensions) },
      mode,
      policy.manifest,
    );
    if (!decision.ok) return decision;
    if (decision.query === undefined) return { ok: true, ...request };
    const { documentId: _dropped, ...rest } = body;
    return { ok: true, body: { ...rest, query: decision.query }, search: request.search };
  }
  const params = new URLSearchParams(request.search);
  const decision = decideDocument(
    {
      documentId: params.get('documentId') ?? undefined,
      query: params.get('query') ?? undefined,
      apqHash: apqHashOf(jsonOrUndefined(params.get('extensions'))),
    },
    mode,
    policy.manifest,
  );
  if (!decision.ok) return decision;
  if (decision.query === undefined) return { ok: true, ...request };
  params.delete('documentId');
  params.set('query', decision.query);
  return { ok: true, body: request.body, search: `?${params.toString()}` };
}

function apqHashOf(extensions: unknown): unknown {
  if (typeof extensions !== 'object' || extensions === null) return undefined;
  const persisted = (extensions as { persistedQuery?: unknown }).persistedQuery;
  return typeof persisted === 'object' && persisted !== null
    ? (persisted as { sha256Hash?: unknown }).sha256Hash
    : undefined;
}

function jsonOrUndefined(text: string | null): unknown {
  if (text === null) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
