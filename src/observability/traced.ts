/**
 * Tracing decorator, beside the metering one: every generator the router
 * asks for runs each `generate` call in a `provider.generate <id>` span (a
 * child of the request span, see src/observability/tracing.ts). Only ids,
 * the model, the batch size and ProviderError kinds are recorded.
 */
import type { GatewayTracing } from './tracing.js';
import type { GeneratorSource } from '../routing/types.js';
import { passThrough } from './metered.js';
import { isProviderError, type TextGenerator } from '../../providers/types.js';
import { wrapGenerators } from './wrap-source.js';

function tracedGenerator(inner: TextGenerator, tracing: GatewayTracing): TextGenerator {
  return new Proxy(inner, {
    get(target, property) {
      if (property !== 'generate') return passThrough(target, property);
      const generate: TextGenerator['generate'] = (requests, options) =>
        tracing.providerCall(
          { providerId: target.id, model: target.model, batchSize: requests.length },
          () => target.generate(requests, options),
          (results) => results.filter(isProviderError).map((e) => e.kind),
          (error) => (isProviderError(error) ? error.kind : 'unexpected'),
        );
      return generate;
    },
  });
}

/** The source with every generator traced; unchanged when tracing is off, and wrappers are made once per id. */
export function tracedSource(source: GeneratorSource, tracing: GatewayTracing): GeneratorSource {
  if (!tracing.enabled) return source;
  return wrapGenerators(source, (inner) => tracedGenerator(inner, tracing));
}
