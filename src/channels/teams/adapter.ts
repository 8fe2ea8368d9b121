import type { ServerResponse } from 'node:http';
import { CallerIdConstants, CloudAdapter, ConfigurationBotFrameworkAuthentication, type Activity, type Response } from 'botbuilder';
import {
  AuthenticationConstants,
  AuthenticationError,
  type AuthenticateRequestResult,
} from 'botframework-connector';
import type { Config } from '../../config.js';

export type TeamsConfig = NonNullable<Config['teams']>;

/**
 * Where inbound tokens are checked. Production uses the Bot Framework's public cloud values; tests
 * point it at a loopback OpenID document signed with their own keys.
 */
export interface TokenValidation {
  openIdMetadataUrl: string;
  issuer: string;
}

/**
 * The SDK answers 500 when jsonwebtoken rejects a forged signature (it rethrows that error as is);
 * any failure to authenticate is a refusal, so it becomes an AuthenticationError and a 401.
 */
class RefusingAuthentication extends ConfigurationBotFrameworkAuthentication {
  override async authenticateRequest(activity: Activity, authHeader: string): Promise<AuthenticateRequestResult> {
    if (neverExpires(authHeader)) throw new AuthenticationError('Unauthorized: the token has no expiry', 401);
    try {
      return await super.authenticateRequest(activity, authHeader);
    } catch (err) {
      if (err instanceof AuthenticationError) throw err;
      throw new AuthenticationError(`Unauthorized: ${(err as Error).message}`, 401);
    }
  }
}

/**
 * A bearer JWT without `exp`. The channel always sets one, but the SDK's jsonwebtoken accepts a token
 * without it, which would then be good forever.
 */
function neverExpires(authHeader: string | undefined): boolean {
  const payload = /^Bearer [\w-]+\.([\w-]+)\.[\w-]*$/.exec(authHeader ?? '')?.[1];
  if (!payload) return false; // no JWT at all: the SDK refuses it (or auth is off)
  try {
    return typeof (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown }).exp !== 'number';
  } catch {
    return false; // unreadable: the SDK refuses it
  }
}

/** The settings ConfigurationBotFrameworkAuthentication reads; an empty app id turns auth off. */
export function authSettings(config: TeamsConfig, validation?: TokenValidation): Record<string, string> {
  if (config.authDisabled) return { MicrosoftAppId: '', MicrosoftAppPassword: '', MicrosoftAppType: 'MultiTenant' };
  const settings: Record<string, string> = {
    MicrosoftAppId: config.appId,
    MicrosoftAppPassword: config.appPassword,
    MicrosoftAppType: config.appType,
    MicrosoftAppTenantId: config.tenantId ?? '',
  };
  if (!validation) return settings;
  // Setting any endpoint switches the SDK to "all parameters given", so the others keep the public cloud values.
  return {
    ...settings,
    ToBotFromChannelOpenIdMetadataUrl: validation.openIdMetadataUrl,
    ToBotFromChannelTokenIssuer: validation.issuer,
    ToChannelFromBotLoginUrl: AuthenticationConstants.ToChannelFromBotLoginUrl,
    ToChannelFromBotOAuthScope: AuthenticationConstants.ToChannelFromBotOAuthScope,
    ToBotFromEmulatorOpenIdMetadataUrl: AuthenticationConstants.ToBotFromEmulatorOpenIdMetadataUrl,
    OAuthUrl: AuthenticationConstants.OAuthUrl,
    CallerId: CallerIdConstants.PublicAzureChannel,
  };
}

export function createAdapter(config: TeamsConfig, validation?: TokenValidation): CloudAdapter {
  return new CloudAdapter(new RefusingAuthentication(authSettings(config, validation)));
}

/** The app id proactive sends act as; empty when auth is off. */
export function botAppId(config: TeamsConfig): string {
  return config.authDisabled ? '' : config.appId;
}

/** The small response object `CloudAdapter.process` writes to, over a hijacked Fastify reply. */
export function responseOver(raw: ServerResponse): Response {
  return {
    socket: raw.socket,
    status(code: number) {
      raw.statusCode = code;
    },
    header(name: string, value: unknown) {
      raw.setHeader(name, String(value));
    },
    send(body: unknown) {
      if (body === undefined || body === null) return;
      if (typeof body === 'string' || Buffer.isBuffer(body)) {
        if (!raw.hasHeader('content-type')) raw.setHeader('content-type', 'text/plain; charset=utf-8');
        raw.write(body);
        return;
      }
      raw.setHeader('content-type', 'application/json; charset=utf-8');
      raw.write(JSON.stringify(body));
    },
    end() {
      if (!raw.writableEnded) raw.end();
    },
  };
}
