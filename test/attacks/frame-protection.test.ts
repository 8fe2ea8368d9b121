/**
 * No page of ours can be framed (clickjacking): every route answers with both frame headers, except
 * the widget's embed page, which only the business's listed websites may frame.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRig, type Rig } from './rig.js';

let rig: Rig;
beforeAll(async () => {
  rig = await startRig({ logLevel: 'silent' });
});
afterAll(async () => {
  await rig?.close();
});

describe('frame protection', () => {
  it('no page can be framed: frame-ancestors none and X-Frame-Options DENY', async () => {
    const pages = ['/chat', '/api/docs/', '/api/docs/json', '/dashboard', `/dashboard/login/${'t'.repeat(32)}`, '/healthz'];
    for (const url of pages) {
      const res = await rig.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBeLessThan(429);
      expect(res.headers['x-frame-options'], url).toBe('DENY');
      expect(String(res.headers['content-security-policy']), url).toMatch(/frame-ancestors 'none'/);
    }
  });
});

describe("the widget's embed page", () => {
  it('may be framed by the listed websites only; other websites are refused, and every other page keeps DENY', async () => {
    const unlisted = await rig.app.inject({ method: 'GET', url: '/embed' });
    expect(String(unlisted.headers['content-security-policy'])).toBe("frame-ancestors 'none'");

    for (const bad of [['http://shop.example'], ['https://shop.example/checkout'], ['javascript:alert(1)'], ['https://']]) {
      const res = await rig.api('PATCH', '/api/v1/business', { widgetOrigins: bad });
      expect(res.statusCode, bad[0]).toBe(400);
      expect(res.body).toMatch(/widgetOrigins/);
    }
    const listed = await rig.api('PATCH', '/api/v1/business', { widgetOrigins: ['https://shop.example', 'https://www.shop.example/'] });
    expect(listed.statusCode, listed.body).toBe(200);
    expect(listed.json().widgetOrigins).toEqual(['https://shop.example', 'https://www.shop.example']);

    const embed = await rig.app.inject({ method: 'GET', url: '/embed?order=1', headers: { referer: 'https://shop.example/thanks' } });
    expect(embed.statusCode).toBe(200);
    expect(embed.headers['content-security-policy']).toBe('frame-ancestors https://shop.example https://www.shop.example');
    expect(embed.headers['x-frame-options']).toBeUndefined();
    const elsewhere = await rig.app.inject({ method: 'GET', url: '/embed', headers: { referer: 'https://evil.example/' } });
    expect(elsewhere.statusCode).toBe(403);
    expect(elsewhere.body).toMatch(/not shown on this website/);

    // The chat's requests from another website's page are refused too; from a listed one they are served.
    const foreign = await rig.app.inject({ method: 'POST', url: '/chat/api/visitors', headers: { origin: 'https://evil.example' }, payload: { entry: 'widget' } });
    expect(foreign.statusCode).toBe(403);
    const fromShop = await rig.app.inject({ method: 'POST', url: '/chat/api/visitors', headers: { origin: 'https://shop.example' }, payload: { entry: 'widget' } });
    expect(fromShop.statusCode).toBe(201);

    const script = await rig.app.inject({ method: 'GET', url: '/widget.js' });
    expect(script.headers['content-type']).toMatch(/javascript/);
    expect(script.headers['cross-origin-resource-policy']).toBe('cross-origin');
    const chat = await rig.app.inject({ method: 'GET', url: '/chat' });
    expect(chat.headers['x-frame-options']).toBe('DENY');
    expect(String(chat.headers['content-security-policy'])).toMatch(/frame-ancestors 'none'/);
  });
});

