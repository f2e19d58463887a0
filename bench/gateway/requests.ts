/**
 * The requests of the gateway benchmark: the one-product mutation sent to
 * our gateway, and the chat completion it makes of it (sent direct and
 * through the peer, so that all paths carry the same payload).
 */
import { buildPrompt } from '../../src/prompts/build-prompt.js';
import type { ProductFacts } from '../../providers/types.js';
import { SEQ } from './load.js';
import { OUR_API_KEY } from './processes.js';

const MAX_TOKENS = 64;

/** What a load step expects in every answer of ours. */
export const OURS_EXPECT = '"__typename":"Description"';

/** The first product of the seeded catalog, read through our gateway. */
export async function productFacts(graphqlUrl: string): Promise<ProductFacts> {
  const res = await fetch(graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${OUR_API_KEY}` },
    body: JSON.stringify({
      query: '{ products(first: 1) { edges { node { id title category attributes colors materials } } } }',
    }),
  });
  const json = (await res.json()) as { data?: { products: { edges: Array<{ node: ProductFacts }> } } };
  const product = json.data?.products.edges[0]?.node;
  if (!product) throw new Error(`no product in the seeded catalog: ${JSON.stringify(json)}`);
  return product;
}

/** The chat completion our gateway sends for this product, so direct and peer carry the same payload. */
export function chatBody(product: ProductFacts): string {
  const built = buildPrompt(product);
  const messages = [
    ...(built.system ? [{ role: 'system', content: built.system }] : []),
    { role: 'user', content: built.prompt },
  ];
  return JSON.stringify({ model: 'gpt-4o-mini', messages, max_tokens: MAX_TOKENS, seed: SEQ });
}

/** Our path's one-product mutation, pinned to openai, with a fresh seed per request (SEQ) so that nothing is shared. */
export function mutationBody(productId: string): string {
  return JSON.stringify({
    query:
      'mutation($input: [GenerateDescriptionInput!]!) { generateDescriptions(input: $input) { __typename ... on Description { id text } ... on GenerationError { code message } } }',
    variables: { input: [{ productId, provider: 'openai', params: { maxTokens: MAX_TOKENS, seed: SEQ } }] },
  });
}
