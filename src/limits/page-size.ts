/**
 * The one page-size rule of every connection, pure. It runs before the cost
 * model (operation-limits.ts), because a page size out of range would
 * otherwise surface as a cost refusal or not, depending on how large it is
 * and whether it came as a literal or a variable: one mistake, one answer.
 */
import { Kind, visit, type DocumentNode, type ValueNode } from 'graphql';
import { BadUserInputError } from '../errors/index.js';

/** The most rows one page of a connection may ask for. */
export const MAX_PAGE_SIZE = 100;

/** Relay's page-size arguments. */
const PAGE_SIZE_ARGS: ReadonlySet<string> = new Set(['first', 'last']);

/** The client error for a page size outside 0..MAX_PAGE_SIZE, or null when `value` is in range. */
export function pageSizeError(argument: string, value: number): BadUserInputError | null {
  if (Number.isInteger(value) && value >= 0 && value <= MAX_PAGE_SIZE) return null;
  return new BadUserInputError(`${argument} must be between 0 and ${MAX_PAGE_SIZE}, not ${value}`, {
    reason: 'PAGE_SIZE_OUT_OF_RANGE',
    argument,
    max: MAX_PAGE_SIZE,
  });
}

/** What of a document the page-size rule reads, found by one walk of it. */
interface PageSizeArguments {
  /** Every `first` / `last` argument whose value is an integer literal or a variable, in document order. */
  readonly arguments: ReadonlyArray<{ readonly name: string; readonly value: ValueNode }>;
  /** Variable defaults of the document's operations (a later operation's default wins, as before). */
  readonly defaults: ReadonlyMap<string, ValueNode>;
}

/**
 * Per parsed document: Apollo keeps one DocumentNode per query text, so the
 * walk runs once per text instead of on every request. Only the walk is
 * kept; variables differ per request and are read each time.
 */
const ARGUMENTS = new WeakMap<DocumentNode, PageSizeArguments>();

function pageSizeArguments(document: DocumentNode): PageSizeArguments {
  const cached = ARGUMENTS.get(document);
  if (cached) return cached;
  const defaults = new Map<string, ValueNode>();
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    for (const v of definition.variableDefinitions ?? [])
      if (v.defaultValue) defaults.set(v.variable.name.value, v.defaultValue);
  }
  const found: Array<{ name: string; value: ValueNode }> = [];
  visit(document, {
    Field(node) {
      for (const argument of node.arguments ?? []) {
        const { kind } = argument.value;
        if (PAGE_SIZE_ARGS.has(argument.name.value) && (kind === Kind.INT || kind === Kind.VARIABLE))
          found.push({ name: argument.name.value, value: argument.value });
      }
    },
  });
  const result = { arguments: found, defaults };
  ARGUMENTS.set(document, result);
  return result;
}

/**
 * The first page-size argument in the document that is out of range, as a
 * client error; null when there is none. The whole document counts, not
 * only the operation that runs (armor.ts says why). Literals always count;
 * a variable counts with its value from `variables`, or its default in the
 * operation. Values that are not integers are left to GraphQL's coercion.
 */
export function findPageSizeError(
  document: DocumentNode,
  variables: Readonly<Record<string, unknown>> = {},
): BadUserInputError | null {
  const { arguments: found, defaults } = pageSizeArguments(document);
  const numberOf = (node: ValueNode | undefined): unknown => {
    if (node?.kind === Kind.INT) return Number(node.value);
    if (node?.kind === Kind.VARIABLE)
      return Object.hasOwn(variables, node.name.value)
        ? variables[node.name.value]
        : numberOf(defaults.get(node.name.value));
    return undefined;
  };
  for (const { name, value: node } of found) {
    const value = numberOf(node);
    if (typeof value !== 'number' || !Number.isInteger(value)) continue;
    const error = pageSizeError(name, value);
    if (error) return error;
  }
  return null;
}
