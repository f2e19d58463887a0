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
  const defaults = new Map<string, ValueNode>();
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    for (const v of definition.variableDefinitions ?? [])
      if (v.defaultValue) defaults.set(v.variable.name.value, v.defaultValue);
  }
  const numberOf = (node: ValueNode | undefined): unknown => {
    if (node?.kind === Kind.INT) return Number(node.value);
    if (node?.kind === Kind.VARIABLE)
      return Object.hasOwn(variables, node.name.value)
        ? variables[node.name.value]
        : numberOf(defaults.get(node.name.value));
    return undefined;
  };
  let found: BadUserInputError | null = null;
  visit(document, {
    Field(node) {
      for (const argument of node.arguments ?? []) {
        if (found || !PAGE_SIZE_ARGS.has(argument.name.value)) continue;
        const value = numberOf(argument.value);
        if (typeof value === 'number' && Number.isInteger(value)) found = pageSizeError(argument.name.value, value);
      }
    },
  });
  return found;
}
