import type { SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';

export interface TracingOptions {
  config: Config;
  /** Where spans go instead of OTLP (tests pass the SDK's in-memory exporter). */
  exporter?: SpanExporter;
}

/**
 * OpenTelemetry traces of every request (with `TRACING_ENABLED=true`; off by default): a `request`
 * span per request and child spans for its hooks and handler, from Fastify's own instrumentation
 * (`@fastify/otel`), sent over OTLP/HTTP to `OTEL_EXPORTER_OTLP_ENDPOINT`. An incoming W3C
 * `traceparent` continues the caller's trace. Spans carry the route template as the path, never the
 * path itself (a Telegram webhook's path is derived from its secret) and never a query.
 * Registered before any route, on the root, so every route and hook is covered.
 */
export async function registerTracing(app: FastifyInstance, { config, exporter }: TracingOptions): Promise<void> {
  if (!config.tracing.enabled) return;
  // Loaded only when on: a server without tracing carries none of the SDK.
  const [{ FastifyOtelInstrumentation }, { OTLPTraceExporter }, { resourceFromAttributes }, { BatchSpanProcessor, SimpleSpanProcessor }, { NodeTracerProvider }] = await Promise.all([
    import('@fastify/otel'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/sdk-trace-node'),
  ]);
  const processors: SpanProcessor[] = [];
  if (exporter) processors.push(new SimpleSpanProcessor(exporter));
  if (config.tracing.otlpEndpoint) processors.push(new BatchSpanProcessor(new OTLPTraceExporter({ url: `${config.tracing.otlpEndpoint.replace(/\/$/, '')}/v1/traces` })));
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': config.tracing.serviceName }),
    spanProcessors: processors,
  });
  // The process-wide context manager and W3C propagator (a second server in one process keeps the first's).
  provider.register();
  const instrumentation = new FastifyOtelInstrumentation({
    requestHook: (span, request) => span.setAttribute('url.path', request.routeOptions.url ?? 'unmatched'),
  });
  instrumentation.setTracerProvider(provider);
  await app.register(instrumentation.plugin());
  app.addHook('onClose', async () => {
    instrumentation.disable();
    await provider.shutdown();
  });
  app.log.info({ otlp: Boolean(config.tracing.otlpEndpoint) }, 'tracing on');
}
