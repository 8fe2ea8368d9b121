import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Secrets at rest (a business's channel tokens, its webhook signing secrets): AES-256-GCM under a
 * key from the environment (`SECRETS_KEY`). A sealed value is `v1.<iv>.<tag>.<ciphertext>` in
 * base64url; opening one sealed under another key, or altered, throws.
 */
export class SecretBox {
  private readonly key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new Error('a secrets key is 32 bytes');
    this.key = key;
  }

  /** A key from its text form: 64 hex digits or 32 bytes in base64 / base64url. */
  static parseKey(text: string): Buffer | undefined {
    const t = text.trim();
    if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, 'hex');
    if (/^[A-Za-z0-9+/_-]{43}=?$/.test(t)) {
      const key = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
      return key.length === 32 ? key : undefined;
    }
    return undefined;
  }

  static newKey(): string {
    return randomBytes(32).toString('base64url');
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
  }

  open(sealed: string): string {
    const [version, iv, tag, body] = sealed.split('.');
    if (version !== 'v1' || !iv || !tag || body === undefined) throw new Error('not a sealed secret');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  }
}

/**
 * The box for this deployment: `SECRETS_KEY` when set (required in production), else a key kept in
 * `dataDir/secrets.key` (made on first start, readable by the owner only) so a local try-out needs
 * no setting and keeps its sealed secrets across restarts.
 */
export async function secretBoxFor(options: { key?: string; dataDir: string }): Promise<SecretBox> {
  if (options.key) return new SecretBox(SecretBox.parseKey(options.key)!);
  const file = path.resolve(options.dataDir, 'secrets.key');
  try {
    const key = SecretBox.parseKey(await readFile(file, 'utf8'));
    if (key) return new SecretBox(key);
  } catch {
    // no key file yet
  }
  await mkdir(path.dirname(file), { recursive: true });
  const text = SecretBox.newKey();
  try {
    await writeFile(file, `${text}\n`, { mode: 0o600, flag: 'wx' });
  } catch {
    // another server made it first: use theirs
    return new SecretBox(SecretBox.parseKey(await readFile(file, 'utf8'))!);
  }
  return new SecretBox(SecretBox.parseKey(text)!);
}
