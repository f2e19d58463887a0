/**
 * The review page's one way to the gateway: GraphQL over HTTP to /graphql
 * with the editor key, when there is one, in the Authorization header only
 * (never in a URL, so no access log or proxy sees it). The key lives in this
 * tab's sessionStorage: asked for once, gone when the tab closes.
 */
import type { Refusal } from './words.js';
import { REVIEW_DOCUMENTS } from './documents.js';

const KEY_STORE = 'stylesprint.review.key';

export const readKey = (): string | null => sessionStorage.getItem(KEY_STORE);
export const storeKey = (key: string): void => sessionStorage.setItem(KEY_STORE, key);
export const forgetKey = (): void => sessionStorage.removeItem(KEY_STORE);

/** A refusal from the gateway (or from the network), as the page shows it. */
export class GatewayRefusal extends Error implements Refusal {
  constructor(
    readonly code: string,
    readonly reason: string | undefined,
    message: string,
    /** The extensions the gateway sent with it (e.g. currentVersion, findings). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

interface Answer<T> {
  data?: T | null;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

/**
 * Runs one of the page's operations, sent as the trusted-documents
 * manifest's exact text (clients/review/review.graphql); a GraphQL error (the
 * first) or a failed request is thrown as a GatewayRefusal.
 */
export async function gql<T>(
  operation: keyof typeof REVIEW_DOCUMENTS,
  variables: Record<string, unknown> = {},
): Promise<T> {
  const query = REVIEW_DOCUMENTS[operation];
  const key = readKey();
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/graphql-response+json, application/json',
  };
  if (key) headers.authorization = `Bearer ${key}`;
  let answer: Answer<T>;
  try {
    const response = await fetch('/graphql', { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
    answer = (await response.json()) as Answer<T>;
  } catch (error) {
    throw new GatewayRefusal('NETWORK', undefined, (error as Error).message);
  }
  const first = answer.errors?.[0];
  if (first || !answer.data) {
    const extensions = first?.extensions ?? {};
    const reason = typeof extensions.reason === 'string' ? extensions.reason : undefined;
    throw new GatewayRefusal(
      typeof extensions.code === 'string' ? extensions.code : 'INTERNAL',
      reason,
      first?.message ?? 'no data',
      extensions,
    );
  }
  return answer.data;
}

export interface Finding {
  code: string;
  severity: 'BLOCK' | 'REVIEW';
  message: string;
  start: number;
  end: number;
  expected: string | null;
}

export interface Product {
  id: string;
  sku: string | null;
  title: string;
  category: string | null;
  gender: string | null;
  price: number | null;
  colors: string[];
  sizes: string[];
  materials: string[];
  attributes: string[];
  referenceDescription: string | null;
}

export interface Description {
  id: string;
  text: string;
  status: string;
  version: number;
  publishedVersion: number | null;
  provider: string;
  model: string;
  finishReason: string;
  createdAt: string;
  slot: { locale: string; channel: string; segment: string } | null;
  check: { verdict: 'PASS' | 'REVIEW' | 'BLOCK'; findings: Finding[] };
  product: Product | null;
}

export interface QueueFilter {
  status: string[];
  verdict?: string[] | undefined;
  category?: string | undefined;
  model?: string | undefined;
}

export interface QueueItem {
  id: string;
  status: string;
  version: number;
  model: string;
  check: { verdict: Description['check']['verdict']; findings: Array<{ code: string }> };
  product: { title: string } | null;
}

export interface Queue {
  totalCount: number;
  counts: Array<{ status: string; count: number }>;
  nodes: QueueItem[];
}

/**
 * The first page of the queue for the filter: 50 texts, so that a reload
 * after each action stays well inside an editor key's request budget.
 */
export async function loadQueue(filter: QueueFilter): Promise<Queue> {
  // The queue lists a few fields of each text; the rest is loaded when one is opened (a page of full texts would cost more than the API allows a key).
  const data = await gql<{
    reviewQueue: { totalCount: number; counts: Queue['counts']; edges: Array<{ node: QueueItem }> };
  }>('ReviewQueue', { filter });
  const { totalCount, counts, edges } = data.reviewQueue;
  return { totalCount, counts, nodes: edges.map((e) => e.node) };
}

export async function loadDescription(id: string): Promise<Description | null> {
  return (await gql<{ description: Description | null }>('ReviewDescription', { id })).description;
}

/** The operation of each change. */
const CHANGES = {
  approveDescription: 'ReviewApprove',
  rejectDescription: 'ReviewReject',
  publishDescription: 'ReviewPublish',
  editDescription: 'ReviewEdit',
} as const;

/** One change of a description; the answer is the description as it is now. */
export async function change(mutation: keyof typeof CHANGES, variables: Record<string, unknown>): Promise<Description> {
  const data = await gql<Partial<Record<string, Description>>>(CHANGES[mutation], variables);
  const description = data[mutation];
  if (!description) throw new Error(`${mutation}: the answer has no description`);
  return description;
}

export type BulkResult =
  | { __typename: 'Description'; id: string }
  | { __typename: 'LifecycleError'; id: string; code: string; reason: string | null; message: string };

export async function bulkApprove(ids: string[]): Promise<BulkResult[]> {
  const data = await gql<{ bulkApproveDescriptions: BulkResult[] }>('ReviewBulkApprove', { ids });
  return data.bulkApproveDescriptions;
}
