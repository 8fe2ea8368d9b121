import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('loadConfig', () => {
  it('starts with nothing configured: web chat on, embedded database, defaults', () => {
    const config = loadConfig({});
    expect(config.web.enabled).toBe(true);
    expect(config.mongodbUri).toBeUndefined();
    expect(config.port).toBe(3000);
    expect(config.survey.reminderAfterMs).toBe(24 * 3_600_000);
    expect(config.survey.ttlMs).toBe(72 * 3_600_000);
    expect(config.business.throttleDays).toBe(30);
    expect(config.business.sendWindow).toEqual({ startMinute: 9 * 60, endMinute: 20 * 60 });
    expect(config.twilio).toBeUndefined();
    expect(config.telegram).toBeUndefined();
    expect(config.teams).toBeUndefined();
  });

  it('names a bad MONGODB_URI in one line', () => {
    const lines = problems({ MONGODB_URI: 'not-a-uri' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^MONGODB_URI: .*mongodb:\/\//);
  });

  it('reports one line per problem', () => {
    const lines = problems({ PORT: 'eighty', REMINDER_AFTER: 'soon', BUSINESS_TIME_ZONE: 'Mars/Base' });
    expect(lines.map((l) => l.split(':')[0]).sort()).toEqual(['BUSINESS_TIME_ZONE', 'PORT', 'REMINDER_AFTER']);
  });

  it('requires the rest of the Twilio settings once SMS is enabled', () => {
    const lines = problems({ TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}` });
    expect(lines.map((l) => l.split(':')[0]).sort()).toEqual(['PUBLIC_URL', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM']);
    expect(lines[0]).toContain('when TWILIO_ACCOUNT_SID is set');
  });

  it('requires a valid SECRETS_KEY in production', () => {
    expect(problems({ NODE_ENV: 'production', MONGODB_URI: 'mongodb://db/x' })).toEqual(['SECRETS_KEY: required when NODE_ENV=production (it encrypts the stored channel secrets)']);
    expect(problems({ SECRETS_KEY: 'short' })[0]).toMatch(/^SECRETS_KEY: 32 random bytes/);
  });

  it('refuses disabled Teams auth in production', () => {
    const lines = problems({ NODE_ENV: 'production', TEAMS_AUTH_DISABLED: 'true', MONGODB_URI: 'mongodb://db/x', SECRETS_KEY: 'ab'.repeat(32) });
    expect(lines).toEqual(['TEAMS_AUTH_DISABLED: must not be true when NODE_ENV=production']);
  });

  it('refuses the provider stand-ins in production: they would carry every business\'s credentials elsewhere', () => {
    const base = { NODE_ENV: 'production', MONGODB_URI: 'mongodb://db/x', SECRETS_KEY: 'ab'.repeat(32) };
    expect(problems({ ...base, TWILIO_API_BASE_URL: 'http://169.254.169.254/latest/', TELEGRAM_API_ROOT: 'http://10.0.0.5' })).toEqual([
      'TWILIO_API_BASE_URL: must not be set when NODE_ENV=production (it redirects provider traffic and credentials; for tests only)',
      'TELEGRAM_API_ROOT: must not be set when NODE_ENV=production (it redirects provider traffic and credentials; for tests only)',
    ]);
    expect(problems({ ...base, NODE_ENV: 'test', TWILIO_API_BASE_URL: 'http://127.0.0.1:9' })).toEqual([]);
  });

  it('holds a Teams app to the rules a stored business is held to', () => {
    expect(problems({ TEAMS_APP_ID: 'msi-app', TEAMS_APP_TYPE: 'UserAssignedMSI', TEAMS_TENANT_ID: 'tenant-1' })).toEqual([]);
    expect(problems({ TEAMS_APP_ID: 'msi-app', TEAMS_APP_TYPE: 'UserAssignedMSI' })).toEqual(['TEAMS_TENANT_ID: required for a UserAssignedMSI Teams app']);
    expect(problems({ TEAMS_APP_ID: 'app', TEAMS_APP_TYPE: 'MultiTenant' })).toEqual(['TEAMS_APP_PASSWORD: required for a MultiTenant Teams app']);
  });

  it('points Teams token checks at another key set only with both the document and the issuer', () => {
    const teams = { TEAMS_APP_ID: 'b07a-app', TEAMS_APP_PASSWORD: 'not-a-real-password', TEAMS_TENANT_ID: 'tenant-1' };
    const given = { TEAMS_OPENID_METADATA_URL: 'http://127.0.0.1:9/v1/.well-known/openid-configuration', TEAMS_TOKEN_ISSUER: 'http://127.0.0.1:9/issuer' };
    expect(loadConfig({ ...teams, ...given }).teams?.tokenValidation).toEqual({ openIdMetadataUrl: given.TEAMS_OPENID_METADATA_URL, issuer: given.TEAMS_TOKEN_ISSUER });
    expect(loadConfig(teams).teams?.tokenValidation).toBeUndefined();
    expect(problems({ ...teams, TEAMS_OPENID_METADATA_URL: given.TEAMS_OPENID_METADATA_URL })).toEqual(['TEAMS_TOKEN_ISSUER: required when TEAMS_OPENID_METADATA_URL is set']);
    expect(problems({ ...teams, TEAMS_OPENID_METADATA_URL: 'not a url', TEAMS_TOKEN_ISSUER: 'x' })[0]).toMatch(/^TEAMS_OPENID_METADATA_URL: /);
    expect(problems({ ...teams, ...given, NODE_ENV: 'production', MONGODB_URI: 'mongodb://db/x', SECRETS_KEY: 'ab'.repeat(32) })).toEqual(['TEAMS_OPENID_METADATA_URL: must be an https URL when NODE_ENV=production']);
  });

  it('parses durations and windows', () => {
    const config = loadConfig({ REMINDER_AFTER: '90m', SURVEY_TTL: '2d', SEND_WINDOW: '08:30-21:00' });
    expect(config.survey.reminderAfterMs).toBe(90 * 60_000);
    expect(config.survey.ttlMs).toBe(2 * 86_400_000);
    expect(config.business.sendWindow).toEqual({ startMinute: 510, endMinute: 1260 });
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ MONGODB_URI: '', TWILIO_ACCOUNT_SID: '' }).mongodbUri).toBeUndefined();
  });
});
