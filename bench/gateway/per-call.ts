/**
 * The per-call pieces of the gateway bench's request, timed for two built
 * checkouts in one process: `checkDescription` on the request's generated
 * text (its prompt, reference, attributes and gender), the page-size rule
 * of the limits check on the mutation's parsed document, and a parse and
 * validation of the mutation against the checkout's own schema and armor
 * rules. Rounds alternate between the checkouts, order reversed every other
 * round, so that a busy machine slows both alike; prints µs per call (median
 * of the rounds), base against this one, and the ratio. Writes nothing.
 *
 *   npm run build && node dist/bench/gateway/per-call.js <base checkout> . [--rounds 15] [--calls 2000]
 *
 * Each checkout needs `npm ci && npm run build` done in it. The inputs are
 * made with this checkout's code, so both sides check the same text.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DocumentNode, GraphQLSchema, ValidationRule } from 'graphql';
import { parse } from 'graphql';
import type { DescriptionCheckInput } from '../../src/evaluation/checks/index.js';
import { buildPrompt } from '../../src/prompts/build-prompt.js';
import { catalogFacts, readCatalogEntries } from '../../src/seed.js';
import { fakeCompletion } from '../../test/helpers/fake-text.js';
import { checkouts, median, option } from './checkouts.js';
import { mutationBody } from './requests.js';

const MAX_TOKENS = 64;

/** What is timed, loaded from one checkout's dist. */
interface Pieces {
  checkout: string;
  checkDescription: (input: DescriptionCheckInput) => unknown;
  findPageSizeError: (document: DocumentNode, variables?: Record<string, unknown>) => unknown;
  parseAndValidate: (
    schema: GraphQLSchema,
    query: string,
    rules: { maxTokens: number; validationRules: readonly ValidationRule[] },
  ) => { errors: readonly unknown[] };
  schema: GraphQLSchema;
  rules: { maxTokens: number; validationRules: readonly ValidationRule[] };
}

async function load(checkout: string): Promise<Pieces> {
  const from = async <T>(file: string): Promise<T> =>
    (await import(pathToFileURL(path.join(checkout, 'dist', file)).href)) as T;
  const checks = await from<Pick<Pieces, 'checkDescription'>>('src/evaluation/checks/index.js');
  const pageSize = await from<Pick<Pieces, 'findPageSizeError'>>('src/limits/page-size.js');
  const limits = await from<Pick<Pieces, 'parseAndValidate'>>('src/limits/operation-limits.js');
  const { buildGatewaySchema } = await from<{ buildGatewaySchema: () => Promise<GraphQLSchema> }>('schema/index.js');
  const { loadConfig } = await from<{
    loadConfig: (o: object, env: NodeJS.ProcessEnv) => { maxTokens: number } & Record<string, unknown>;
  }>('src/config.js');
  const { armorProtection } = await from<{
    armorProtection: (config: object) => { validationRules: ValidationRule[] };
  }>('src/limits/armor.js');
  const config = loadConfig({}, {});
  return {
    checkout,
    checkDescription: checks.checkDescription,
    findPageSizeError: pageSize.findPageSizeError,
    parseAndValidate: limits.parseAndValidate,
    schema: await buildGatewaySchema(),
    rules: { maxTokens: config.maxTokens, validationRules: armorProtection(config).validationRules },
  };
}

/** The bench request's inputs: the catalog's first product, its prompt, the fake's answer, the mutation. */
function requestInputs(): { check: DescriptionCheckInput; query: string; variables: Record<string, unknown> } {
  const [product] = readCatalogEntries();
  if (!product) throw new Error('the sample catalog is empty');
  const { prompt } = buildPrompt(catalogFacts(product));
  const text = fakeCompletion(prompt, { maxTokens: MAX_TOKENS, seed: 1 }).text;
  const body = JSON.parse(mutationBody(product.sku)) as { query: string; variables: Record<string, unknown> };
  return {
    check: { text, prompt, reference: product.description, attributes: product.attributes, gender: product.gender },
    query: body.query,
    variables: body.variables,
  };
}

type Timed = (p: Pieces) => () => unknown;

function timedPieces(inputs: ReturnType<typeof requestInputs>): Record<string, Timed> {
  return {
    checkDescription: (p) => () => p.checkDescription(inputs.check),
    'page-size rule (findPageSizeError)': (p) => {
      // Parsed once, as Apollo's document cache hands the same DocumentNode to every request of one text.
      const document = parse(inputs.query);
      return () => p.findPageSizeError(document, inputs.variables);
    },
    'parse + validate (schema, armor rules)': (p) => () => {
      const { errors } = p.parseAndValidate(p.schema, inputs.query, p.rules);
      if (errors.length > 0) throw new Error(`the bench's mutation does not validate in ${p.checkout}`);
      return errors;
    },
  };
}

function time(call: () => unknown, calls: number): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) call();
  return Number(process.hrtime.bigint() - start) / 1000 / calls;
}

async function main(): Promise<void> {
  const named = checkouts();
  if (named.length !== 2) throw new Error('name two built checkouts: <base> <this>');
  const rounds = option('--rounds', 15);
  const calls = option('--calls', 2000);
  const sides = await Promise.all(named.map((c) => load(c)));
  const inputs = requestInputs();
  console.log(`rounds ${rounds} × ${calls} calls per piece and side, alternating; µs per call, median of rounds`);
  console.log('| piece | base | this | this ÷ base |');
  console.log('|---|---:|---:|---:|');
  for (const [name, make] of Object.entries(timedPieces(inputs))) {
    const fns = sides.map(make);
    for (const fn of fns) time(fn, calls); // warm-up
    const us: number[][] = sides.map(() => []);
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? [0, 1] : [1, 0];
      for (const i of order) {
        const fn = fns[i];
        if (fn) us[i]?.push(time(fn, calls));
      }
    }
    const [base = NaN, ours = NaN] = us.map(median);
    console.log(`| ${name} | ${base.toFixed(2)} | ${ours.toFixed(2)} | ${(ours / base).toFixed(2)} |`);
  }
}

await main();
