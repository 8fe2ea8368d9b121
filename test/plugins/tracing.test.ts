import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, describe, expect, it } from 'vitest';
import { buildTestServer, type TestServer } from '../helpers/build.js';

const opened: TestServer[] = [];
afterAll(async () => {
  for (const server of opened) await server.close();
});

const secret = 'tracing-test-webhook-secret_0123456789';

describe('OpenTelemetry tracing', () => {
  it('records a span per request, with the route template, when TRACING_ENABLED is on', async () => {
    const exporter = new InMemorySpanExporter();
    const server = await buildTestServer(
      { TRACING_ENABLED: 'true', TELEGRAM_BOT_TOKEN: '123456:ABCdefGhIJKlmNoPQRstuVWXyz0123456789', PUBLIC_URL: 'https://bot.example.test', TELEGRAM_WEBHOOK_SECRET: secret, TELEGRAM_API_ROOT: 'http://127.0.0.1:9' },
      { traceExporter: exporter },
    );
    opened.push(server);
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await server.app.inject({ url: '/chat?visitor=someone', headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
    expect(res.statusCode).toBe(200);

    const requestSpans = exporter.getFinishedSpans().filter((span) => span.name === 'request');
    expect(requestSpans).toHaveLength(1);
    const [span] = requestSpans;
    expect(span!.attributes['http.route']).toBe('/chat');
    expect(span!.attributes['url.path']).toBe('/chat');
    expect(span!.attributes['http.response.status_code']).toBe(200);
    // The caller's trace goes on, and the handler has a span of its own inside it.
    expect(span!.spanContext().traceId).toBe(traceId);
    expect(exporter.getFinishedSpans().some((s) => s.name.startsWith('handler') && s.spanContext().traceId === traceId)).toBe(true);

    // A Telegram webhook's path is derived from its secret: spans name the route, never the path.
    exporter.reset();
    const segment = 'abcdef0123456789abcdef0123456789';
    await server.app.inject({ method: 'POST', url: `/webhooks/telegram/${segment}?q=1`, payload: {} });
    const webhookSpan = exporter.getFinishedSpans().find((s) => s.name === 'request');
    expect(webhookSpan?.attributes['http.route']).toBe('/webhooks/telegram/:secret');
    expect(webhookSpan?.attributes['url.path']).toBe('/webhooks/telegram/:secret');
    expect(JSON.stringify(exporter.getFinishedSpans().map((s) => s.attributes))).not.toContain(segment);
  });

  it('records nothing when tracing is off (the default)', async () => {
    const exporter = new InMemorySpanExporter();
    const server = await buildTestServer({}, { traceExporter: exporter });
    opened.push(server);
    expect((await server.app.inject('/chat')).statusCode).toBe(200);
    expect(exporter.getFinishedSpans()).toHaveLength(0);
  });
});
