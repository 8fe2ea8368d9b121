/** No page of ours can be framed (clickjacking): every route answers with both frame headers. */
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
