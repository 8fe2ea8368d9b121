import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SecretBox, secretBoxFor } from '../../src/security/secret-box.js';

describe('SecretBox', () => {
  const box = new SecretBox(SecretBox.parseKey(SecretBox.newKey())!);

  it('opens what it sealed, and the sealed text does not contain the secret', () => {
    const sealed = box.seal('123456:telegram-token-value');
    expect(sealed).not.toContain('telegram-token-value');
    expect(box.open(sealed)).toBe('123456:telegram-token-value');
    expect(box.seal('same')).not.toBe(box.seal('same'));
  });

  it('refuses a value sealed under another key or altered', () => {
    const other = new SecretBox(SecretBox.parseKey(SecretBox.newKey())!);
    const sealed = box.seal('secret');
    expect(() => other.open(sealed)).toThrow();
    const parts = sealed.split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    expect(() => box.open(parts.join('.'))).toThrow();
    expect(() => box.open('plain text')).toThrow('not a sealed secret');
  });

  it('reads keys as hex or base64 and rejects other lengths', () => {
    expect(SecretBox.parseKey('ab'.repeat(32))?.length).toBe(32);
    expect(SecretBox.parseKey(Buffer.alloc(32, 7).toString('base64'))?.length).toBe(32);
    expect(SecretBox.parseKey('too-short')).toBeUndefined();
    expect(SecretBox.parseKey('ab'.repeat(31))).toBeUndefined();
  });

  it('without SECRETS_KEY keeps one key file in the data folder, private to its owner', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'secrets-'));
    const first = await secretBoxFor({ dataDir });
    const second = await secretBoxFor({ dataDir });
    expect(second.open(first.seal('kept across restarts'))).toBe('kept across restarts');
    expect(SecretBox.parseKey(await readFile(path.join(dataDir, 'secrets.key'), 'utf8'))).toBeDefined();
    expect((await stat(path.join(dataDir, 'secrets.key'))).mode & 0o077).toBe(0);
  });
});
