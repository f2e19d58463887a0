/**
 * Optional OpenTelemetry traces: a span per GraphQL request and a child span
 * per provider call, exported over OTLP/HTTP (JSON) through a
 * BatchSpanProcessor. Without an endpoint nothing of the SDK is loaded (the
 * imports below are dynamic; the only static ones are types).
 *
 * Parenting does not go through OpenTelemetry's global context manager:
 * registering one is process-wide, and tests run several gateways in one
 * process. Each gateway keeps the open request span in its own
 * AsyncLocalStorage and passes it as the explicit parent of provider spans.
 * Provider calls the router coalesces or batches across requests are parented
 * to the request whose call started them.
 *
 * Attributes carry identifiers and outcomes only: never an API key, a prompt
 * or generated text.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Span, Tracer } from '@opentelemetry/api';

/** The span of one GraphQL request. */
export interface RequestSpan {
  /** Runs `fn` with this span as the parent of provider spans started inside it. */
  run<T>(fn: () => Promise<T>): Promise<T>;
  /** Names the span `graphql <operationName>`, records the outcome and ends it. */
  end(operationName: string | null | undefined, outcome: string): void;
}

/** What one provider call is, for its span. */
export interface ProviderCallInfo {
  providerId: string;
  model: string;
  batchSize: number;
}

export interface GatewayTracing {
  /** False when no exporter endpoint is configured: every method is then a pass-through. */
  readonly enabled: boolean;
  /** Opens the span of one GraphQL request (ended by `RequestSpan.end`). */
  startRequest(requestId: string): RequestSpan;
  /**
   * Runs one provider call in a span, a child of the current request span.
   * `errorKinds` reads the ProviderError kinds out of a result; a thrown
   * error is recorded by `kindOfError` (never its message).
   */
  providerCall<T>(
    info: ProviderCallInfo,
    fn: () => Promise<T>,
    errorKinds: (result: T) => string[],
    kindOfError: (error: unknown) => string,
  ): Promise<T>;
  /** Flushes the spans still buffered and stops the exporter. */
  close(): Promise<void>;
}

export interface TracingOptions {
  /** OTLP/HTTP base URL (traces go to `<endpoint>/v1/traces`). Default: none, tracing off. */
  endpoint?: string | undefined;
  /** `service.name` of the exported resource. Default: `stylesprint-gateway`. */
  serviceName?: string;
}

// Attribute names: OpenTelemetry's GraphQL and GenAI conventions where they exist (still incubating,
// so spelled out here rather than imported), the gateway's own namespace elsewhere.
export const ATTR = {
  operationName: 'graphql.operation.name',
  outcome: 'stylesprint.outcome',
  requestId: 'stylesprint.request_id',
  providerId: 'gen_ai.provider.name',
  model: 'gen_ai.request.model',
  batchSize: 'stylesprint.provider.batch_size',
  errorKind: 'error.type',
} as const;

const passThroughSpan: RequestSpan = { run: (fn) => fn(), end: () => {} };

/** Tracing that does nothing: the default. */
export const NO_TRACING: GatewayTracing = {
  enabled: false,
  startRequest: () => passThroughSpan,
  providerCall: (_info, fn) => fn(),
  close: async () => {},
};

/** Trims a client-chosen operation name so that a hostile client cannot bloat span names. */
const spanOperation = (name: string | null | undefined): string => (name ? name.slice(0, 64) : 'anonymous');

/**
 * Starts tracing when `options.endpoint` is set, loading the SDK then;
 * otherwise returns NO_TRACING without loading anything.
 */
export async function startTracing(options: TracingOptions): Promise<GatewayTracing> {
  if (!options.endpoint) return NO_TRACING;
  const [api, sdk, { OTLPTraceExporter }, { resourceFromAttributes }, { ATTR_SERVICE_NAME }] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/semantic-conventions'),
  ]);
  // This exporter speaks OTLP/HTTP with JSON bodies (the -proto package would send protobuf).
  const exporter = new OTLPTraceExporter({ url: `${options.endpoint.replace(/\/+$/, '')}/v1/traces` });
  const provider = new sdk.BasicTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.serviceName ?? 'stylesprint-gateway' }),
    spanProcessors: [new sdk.BatchSpanProcessor(exporter)],
  });
  const tracer: Tracer = provider.getTracer('stylesprint-gateway');
  const current = new AsyncLocalStorage<Span>();
  const { SpanKind, SpanStatusCode } = api;

  return {
    enabled: true,
    startRequest(requestId) {
      const span = tracer.startSpan(
        'graphql',
        { kind: SpanKind.SERVER, attributes: { [ATTR.requestId]: requestId } },
        api.ROOT_CONTEXT,
      );
      return {
        run: (fn) => current.run(span, fn),
        end(operationName, outcome) {
          span.updateName(`graphql ${spanOperation(operationName)}`);
          if (operationName) span.setAttribute(ATTR.operationName, spanOperation(operationName));
          span.setAttribute(ATTR.outcome, outcome);
          if (outcome !== 'ok') span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
          span.end();
        },
      };
    },
    async providerCall(info, fn, errorKinds, kindOfError) {
      const parent = current.getStore();
      const span = tracer.startSpan(
        `provider.generate ${info.providerId}`,
        {
          kind: SpanKind.CLIENT,
          attributes: {
            [ATTR.providerId]: info.providerId,
            [ATTR.model]: info.model,
            [ATTR.batchSize]: info.batchSize,
          },
        },
        parent ? api.trace.setSpan(api.ROOT_CONTEXT, parent) : api.ROOT_CONTEXT,
      );
      const fail = (kinds: string[]) => {
        const kind = [...new Set(kinds)].sort().join(',');
        span.setAttribute(ATTR.errorKind, kind);
        span.setStatus({ code: SpanStatusCode.ERROR, message: kind });
      };
      try {
        const result = await fn();
        const kinds = errorKinds(result);
        if (kinds.length) fail(kinds);
        return result;
      } catch (error) {
        fail([kindOfError(error)]);
        throw error;
      } finally {
        span.end();
      }
    },
    close: () => provider.shutdown(),
  };
}
