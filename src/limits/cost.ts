/**
 * The gateway's cost model, pure: it needs the schema, the parsed document
 * and the variables, and does no I/O.
 *
 *   cost(field) = weight(field) + multiplier(field) × Σ cost(children)
 *
 * - weight: GENERATION_WEIGHTS for fields that may call a model (per item for
 *   list inputs), 1 for any other field returning an object, 0 for scalars
 *   and introspection meta-fields.
 * - multiplier: a connection's page size (`first`, or its default), since
 *   every child selection runs once per row; 1 otherwise.
 *
 * So `products(first: 100) { edges { node { description { text } } } }`
 * costs 1 + 100 × (1 + 1 + 10) = 1201, over the mobile limit of 1000, while
 * the same page without `description` costs 201. Aliases and fragment
 * spreads count every time they appear, as they execute every time.
 *
 * That cost is the worst case, held against MAX_COST. The key's rate bucket
 * is charged the `charge` cost instead, where a field that serves a stored
 * description when there is one (`servesStored`) weighs as a read (1): most
 * reads of a published catalog generate nothing, and the generations such a
 * field does start are charged when they start, to the key's generation
 * bucket (src/limits/generation-budget.ts).
 */
import {
  Kind,
  OperationTypeNode,
  getNamedType,
  isObjectType,
  isInterfaceType,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';

/** Cost of one generation; the same figure is charged for each item of a list input. */
export const GENERATION_COST = 10;

/**
 * Fields that may call a model, by schema coordinate. `perItem` names a list
 * argument whose length multiplies the weight; `servesStored` marks a field
 * that generates only when nothing is stored. Coordinates that are not in
 * the schema (features still to come) are simply never matched.
 */
export const GENERATION_WEIGHTS: Readonly<Record<string, { weight: number; perItem?: string; servesStored?: true }>> = {
  'Product.description': { weight: GENERATION_COST, servesStored: true },
  'Mutation.generateDescriptions': { weight: GENERATION_COST, perItem: 'input' },
  'Subscription.descriptionStream': { weight: GENERATION_COST },
  // A benchmark run generates for a whole data set: priced as 50 generations up front.
  'Mutation.runBenchmark': { weight: 50 * GENERATION_COST },
  'Mutation.importProducts': { weight: 50 },
};

/** Arguments that set how many rows a list or connection returns. */
const PAGE_SIZE_ARGS = ['first', 'last', 'limit'];

type Variables = Readonly<Record<string, unknown>>;

function valueOf(node: ValueNode, variables: Variables): unknown {
  switch (node.kind) {
    case Kind.VARIABLE:
      return variables[node.name.value];
    case Kind.INT:
      return Number(node.value);
    case Kind.LIST:
      return node.values;
    default:
      return undefined;
  }
}

function argument(
  field: GraphQLField<unknown, unknown> | undefined,
  node: FieldNode,
  name: string,
  variables: Variables,
): unknown {
  const given = node.arguments?.find((a) => a.name.value === name);
  if (given) return valueOf(given.value, variables);
  return field?.args.find((a) => a.name === name)?.defaultValue;
}

function pageSize(field: GraphQLField<unknown, unknown> | undefined, node: FieldNode, variables: Variables): number {
  for (const name of PAGE_SIZE_ARGS) {
    const value = argument(field, node, name, variables);
    if (typeof value === 'number' && Number.isFinite(value)) return Math.max(1, Math.floor(value));
  }
  return 1;
}

/**
 * What the cost is for: `limit`, the worst case (MAX_COST); `charge`, what the
 * rate bucket takes up front, with `servesStored` fields as reads.
 */
export type CostMode = 'limit' | 'charge';

/** Cost of the operation named `operationName` (or the only one). Returns 0 when there is no such operation. */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Variables = {},
  mode: CostMode = 'limit',
): number {
  const operations = document.definitions.filter(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  const operation = operationName
    ? operations.find((o) => o.name?.value === operationName)
    : operations.length === 1
      ? operations[0]
      : undefined;
  if (!operation) return 0;
  const fragments = new Map(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((f) => [f.name.value, f]),
  );
  const root =
    operation.operation === OperationTypeNode.QUERY
      ? schema.getQueryType()
      : operation.operation === OperationTypeNode.MUTATION
        ? schema.getMutationType()
        : schema.getSubscriptionType();
  if (!root) return 0;

  // `active` guards against fragment cycles; validation rejects them first, but the model must not loop if run alone.
  const selectionCost = (set: SelectionSetNode, parent: GraphQLNamedType, active: Set<string>): number => {
    let total = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        total += fieldCost(selection, parent, active);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? (schema.getType(selection.typeCondition.name.value) ?? parent) : parent;
        total += selectionCost(selection.selectionSet, type, active);
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (!fragment || active.has(name)) continue;
        const type = schema.getType(fragment.typeCondition.name.value) ?? parent;
        active.add(name);
        total += selectionCost(fragment.selectionSet, type, active);
        active.delete(name);
      }
    }
    return total;
  };

  const fieldCost = (node: FieldNode, parent: GraphQLNamedType, active: Set<string>): number => {
    const name = node.name.value;
    if (name.startsWith('__')) return 0;
    const field = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
    const generation = GENERATION_WEIGHTS[`${parent.name}.${name}`];
    let weight = node.selectionSet ? 1 : 0;
    if (generation && !(mode === 'charge' && generation.servesStored)) {
      const items = generation.perItem ? argument(field, node, generation.perItem, variables) : undefined;
      weight = generation.weight * (Array.isArray(items) ? Math.max(1, items.length) : 1);
    }
    if (!node.selectionSet) return weight;
    const child = field ? getNamedType(field.type) : parent;
    return weight + pageSize(field, node, variables) * selectionCost(node.selectionSet, child, active);
  };

  return selectionCost(operation.selectionSet, root, new Set());
}

/** True when the operation selects `__schema` or `__type` anywhere (through fragments too). */
export function isIntrospection(document: DocumentNode, operationName: string | null | undefined): boolean {
  const operations = document.definitions.filter(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations[0];
  if (!operation) return false;
  const fragments = new Map(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((f) => [f.name.value, f]),
  );
  const seen = new Set<string>();
  const walk = (set: SelectionSetNode): boolean =>
    set.selections.some((s) => {
      if (s.kind === Kind.FIELD)
        return (
          s.name.value === '__schema' || s.name.value === '__type' || (s.selectionSet ? walk(s.selectionSet) : false)
        );
      if (s.kind === Kind.INLINE_FRAGMENT) return walk(s.selectionSet);
      const fragment = fragments.get(s.name.value);
      if (!fragment || seen.has(s.name.value)) return false;
      seen.add(s.name.value);
      return walk(fragment.selectionSet);
    });
  return walk(operation.selectionSet);
}
