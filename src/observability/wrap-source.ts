import type { GeneratorSource } from '../routing/types.js';
import type { TextGenerator } from '../../providers/types.js';

/**
 * A source whose generators are wrapped by `wrap` (metering, tracing). Each
 * wrapper is made once per id, so per-provider state in a wrapper survives.
 */
export function wrapGenerators(
  source: GeneratorSource,
  wrap: (inner: TextGenerator) => TextGenerator,
): GeneratorSource {
  const wrapped = new Map<string, TextGenerator>();
  return {
    generatorIds: () => source.generatorIds(),
    generator(id) {
      const inner = source.generator(id);
      if (!inner) return undefined;
      let outer = wrapped.get(id);
      if (!outer) wrapped.set(id, (outer = wrap(inner)));
      return outer;
    },
  };
}
