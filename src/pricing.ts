import { z } from 'zod';

/** USD per one million tokens. */
export interface ModelPrice {
  input: number;
  output: number;
}

/**
 * Built-in list prices (USD per 1M tokens) of the models the gateway knows.
 * `PRICE_TABLE` overrides or extends it. Local models cost nothing per token.
 */
export const DEFAULT_PRICES: Readonly<Record<string, ModelPrice>> = {
  'gpt-4o-mini': { input: 0.15, output: 0.6 },
  'gpt-4o': { input: 2.5, output: 10 },
  'gpt-4.1-mini': { input: 0.4, output: 1.6 },
  'gpt-3.5-turbo-instruct': { input: 1.5, output: 2 },
};

const tableSchema = z.record(z.string(), z.object({ input: z.number().min(0), output: z.number().min(0) }).strict());

export function parsePriceTable(json: string | undefined): Record<string, ModelPrice> {
  if (!json) return { ...DEFAULT_PRICES };
  const parsed = tableSchema.safeParse(JSON.parse(json));
  if (!parsed.success)
    throw new TypeError(
      `PRICE_TABLE: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  return { ...DEFAULT_PRICES, ...parsed.data };
}

/** Estimated cost of one call; 0 for the local model, null for a model with no known price. */
export function estimateCostUsd(
  table: Record<string, ModelPrice>,
  providerKind: string,
  model: string,
  promptTokens: number,
  completionTokens: number,
): number | null {
  if (providerKind === 'onnx') return 0;
  const price = table[model];
  if (!price) return null;
  return (promptTokens * price.input + completionTokens * price.output) / 1e6;
}
