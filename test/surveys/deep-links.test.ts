import { describe, expect, it } from 'vitest';
import { businessToken, invitationId, parseStartToken } from '../../src/surveys/deep-links.js';

const secret = 'Ab3_-xYz0123456789abcd';

describe('deep-link tokens', () => {
  it.each([
    ['default', { type: 'business', businessId: 'default' }],
    ['default-csat', { type: 'business', businessId: 'default', kind: 'csat' }],
    ['acme_2-ces', { type: 'business', businessId: 'acme_2', kind: 'ces' }],
    [`default-i${secret}`, { type: 'invitation', businessId: 'default', secret }],
  ])('reads %s', (token, expected) => {
    expect(parseStartToken(token)).toEqual(expected);
  });

  it.each([
    [''],
    ['default-'],
    ['-nps'],
    ['default-NPS'],
    ['default-nps-extra'],
    ['default-iTooShort'],
    [`default-i${secret}x`],
    ['default-i' + 'a'.repeat(21) + '!'],
    ['déjà'],
    ['a'.repeat(33)],
    ['x'.repeat(65)],
  ])('refuses %j', (token) => {
    expect(parseStartToken(token)).toBeUndefined();
  });

  it('writes business tokens that read back, nps being the plain one', () => {
    expect(businessToken('default')).toBe('default');
    expect(businessToken('default', 'nps')).toBe('default');
    expect(businessToken('default', 'ces')).toBe('default-ces');
    for (const kind of ['nps', 'csat', 'ces'] as const) {
      const read = parseStartToken(businessToken('shop_1', kind));
      expect(read).toMatchObject({ type: 'business', businessId: 'shop_1' });
      expect(read?.type === 'business' ? (read.kind ?? 'nps') : undefined).toBe(kind);
    }
    expect(() => businessToken('has-dash')).toThrow(/cannot be put in a deep link/);
  });

  it('stores a hash of the invitation secret, never the secret', () => {
    const id = invitationId(secret);
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(id).not.toContain(secret);
    expect(invitationId(secret)).toBe(id);
    expect(invitationId(`${secret.slice(0, -1)}e`)).not.toBe(id);
  });
});
