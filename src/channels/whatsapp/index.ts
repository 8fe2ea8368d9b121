import type { FastifyBaseLogger } from 'fastify';
import type { WhatsappTemplate } from '../../businesses/identities.js';
import { asBuffer, type Channel, type ChannelDeps, type Delivery, type Outbound } from '../channel.js';
import type { SlotClaims } from '../shared-send-queue.js';
import { SendPacer, type PacerClock } from '../twilio/pacer.js';
import { twilioSendStep } from '../twilio/send-step.js';
import { listedTexts } from '../twilio/sent-record.js';
import { connectionCheck, createTwilioClient } from '../twilio/twilio-client.js';
import { contentOf, payloadPrefix, renderWhatsapp } from './render.js';
import { contentVariables, outsideWindow, templateFor, windowMarginMs, windowMs } from './templates.js';
import { whatsappReceivers, whatsappStatusPath } from './webhooks.js';

export { whatsappRoutes, whatsappInboundPath, whatsappStatusPath } from './webhooks.js';

export interface WhatsappChannelConfig {
  accountSid: string;
  authToken: string;
  /** `whatsapp:+E164`, or a messaging service SID (MG…) with WhatsApp senders. */
  from: string;
  ratePerSecond: number;
  templates: WhatsappTemplate[];
  apiBaseUrl?: string;
  publicUrl: string;
  basePath?: string;
  defaultCountry: string;
}

/** When each person last wrote (the window), kept by the store for every instance. */
export interface ChatWindows {
  wrote(address: string, at: Date): Promise<void>;
  lastInbound(address: string): Promise<Date | undefined>;
}

/** Where a picture is put for Twilio to fetch: a public URL that stops working at `expiresAt`. */
export interface PublishedPictures {
  publish(png: Buffer, expiresAt: Date): Promise<string>;
}

/**
 * How long a picture's URL works: Twilio fetches it when it sends the message, which may wait in its
 * queue up to four hours (the default validity period); an hour more for its retries.
 */
export const pictureLifetimeMs = 5 * 3_600_000;
/** WhatsApp's limit on a picture's caption: a longer text goes in its own message after the picture. */
export const captionMax = 1_024;

export interface WhatsappChannelOptions {
  clock?: PacerClock;
  slots?: SlotClaims;
}

/**
 * The content SIDs made for interactive shapes and the template bodies read, per process (a few per
 * business: one per scale and language, one per template).
 */
const maxCachedContents = 500;

/**
 * WhatsApp through Twilio's Messaging and Content APIs. Inside the person's 24-hour window a message
 * goes free-form, its choices as quick replies or a list; outside it only an approved template goes
 * (the business's, for an invitation, a reminder or an owner's notice), and anything else is given up
 * with the reason, never attempted. A picture (the digest's chart) goes inside the window only, as a
 * media URL Twilio fetches; a template carries the text alone.
 */
export function createWhatsappChannel(config: WhatsappChannelConfig, deps: { log: FastifyBaseLogger; now: () => Date; windows: ChatWindows; pictures?: PublishedPictures; product?: ChannelDeps }, options: WhatsappChannelOptions = {}): Channel {
  const publicUrl = config.publicUrl.replace(/\/+$/, '');
  const perSecond = config.ratePerSecond || 1;
  const client = createTwilioClient({ accountSid: config.accountSid, authToken: config.authToken, apiBaseUrl: config.apiBaseUrl, perSecond });
  const pacer = new SendPacer(perSecond, options.clock, options.slots, connectionCheck(client));
  const sender = config.from.startsWith('MG') ? { messagingServiceSid: config.from } : { from: config.from };
  // Content sent through a messaging service may be listed with an empty body.
  const listedBlank = 'messagingServiceSid' in sender;
  const statusCallback = publicUrl + (config.basePath ?? '') + whatsappStatusPath;
  const contents = new Map<string, Promise<string>>();
  const step = twilioSendStep({ channel: 'whatsapp', from: config.from, defaultCountry: config.defaultCountry, pacer, log: deps.log });

  /** A content's SID (made) or a template's body (read), once per key and process. */
  const cachedContent = (key: string, make: () => Promise<string>): Promise<string> => {
    let made = contents.get(key);
    if (!made) {
      if (contents.size >= maxCachedContents) contents.delete(contents.keys().next().value!);
      made = make();
      // A failure is not kept: the next use tries again.
      made.catch(() => contents.delete(key));
      contents.set(key, made);
    }
    return made;
  };

  const create = async (to: string, fields: { body?: string; mediaUrl?: string[]; contentSid?: string; contentVariables?: string }): Promise<Delivery> => {
    const sent = await client.messages.create({ to: `whatsapp:${to}`, ...sender, ...fields, statusCallback });
    return { status: 'sent', providerMessageId: sent.sid };
  };

  const asTemplate = async (to: string, message: Outbound): Promise<Delivery> => {
    const use = message.template;
    if (!use) return { status: 'failed', error: `${outsideWindow}: outside the 24-hour window, and this message has no template` };
    const template = templateFor(config.templates, use);
    if (!template) return { status: 'failed', error: `${outsideWindow}: outside the 24-hour window, and no ${use.purpose} template in ${use.locale}` };
    return create(to, { contentSid: template.contentSid, contentVariables: contentVariables(template, use) });
  };

  /** The picture by its URL, the text as its caption; a text too long for a caption follows in its own message. */
  const withPicture = async (to: string, body: string, image: NonNullable<Outbound['image']>): Promise<Delivery> => {
    const mediaUrl = [await deps.pictures!.publish(asBuffer(image.png), new Date(deps.now().getTime() + pictureLifetimeMs))];
    if (body.length <= captionMax) return create(to, { body, mediaUrl });
    await create(to, { body: image.alt.slice(0, captionMax), mediaUrl });
    await pacer.take(config.from);
    return create(to, { body });
  };

  const freeForm = async (to: string, message: Outbound): Promise<Delivery> => {
    const rendering = renderWhatsapp(message);
    if (rendering.type === 'text' && message.image && deps.pictures) return withPicture(to, rendering.body, message.image);
    if (rendering.type === 'text') return create(to, { body: rendering.body });
    const { key, types, variables } = contentOf(rendering, payloadPrefix(message));
    const sid = await cachedContent(key, async () => {
      const made = await client.content.v1.contents.create({ friendlyName: `survey-${rendering.type}`, language: 'en', variables: { '1': 'text', '2': 's:' }, types: types as never });
      return made.sid;
    });
    return create(to, { contentSid: sid, contentVariables: JSON.stringify(variables) });
  };

  /**
   * The text Twilio lists for a message sent as its template: the template's body (its content read
   * once per SID and process), its variables filled as `contentVariables` fills them; undefined when
   * the message has no template to go as.
   */
  const templateText = async (message: Outbound): Promise<string | undefined> => {
    const use = message.template;
    const template = use && templateFor(config.templates, use);
    if (!use || !template) return undefined;
    const body = await cachedContent(`body:${template.contentSid}`, async () => {
      const content = await client.content.v1.contents(template.contentSid).fetch();
      const shape = Object.values(content.types as Record<string, { body?: string }>)[0];
      return shape?.body ?? '';
    });
    const values = JSON.parse(contentVariables(template, use)) as Record<string, string>;
    return body.replace(/\{\{(\d+)\}\}/g, (_, n: string) => values[n] ?? '');
  };

  /**
   * Which messages handed over at or after `since` Twilio lists (see `listedTexts`), by their text
   * or, outside the window, their template's. One whose template's text cannot be had (its content
   * not read now) and that is not listed by its own cannot be told now: `null`; so is one not listed
   * by its text while a message with an empty body is, when the sender is a messaging service.
   */
  const sentSince = async (to: string, messages: readonly Outbound[], since: Date): Promise<Array<string | false | null>> => {
    // null: the template's content could not be read.
    const asTemplate = await Promise.all(messages.map((m) => templateText(m).catch(() => null)));
    const listed = await listedTexts(client, sender, `whatsapp:${to}`, messages.map((m, i) => ({ forms: [m.text, ...(asTemplate[i] ? [asTemplate[i]] : [])], blank: listedBlank })), since);
    return listed.map((sid, i) => (sid === false && asTemplate[i] === null ? null : sid));
  };
  /**
   * Of replies handed over at or after `since` and never confirmed, those Twilio does not show sent;
   * `unsure` when it cannot tell for one of them now, or its list cannot be read (then all are owed).
   */
  const unsent = async (to: string, replies: Outbound[], since: Date): Promise<{ owed: Outbound[]; unsure: boolean }> => {
    try {
      const sent = await sentSince(to, replies, since);
      return { owed: replies.filter((_, i) => !sent[i]), unsure: sent.some((s) => s === null) };
    } catch (err) {
      deps.log.warn({ error: (err as Error).message }, "twilio's message list could not be read; the outbox will ask again");
      return { owed: replies, unsure: true };
    }
  };

  const windowOpen = async (to: string): Promise<boolean> => {
    const last = await deps.windows.lastInbound(to);
    return last !== undefined && deps.now().getTime() - last.getTime() < windowMs - windowMarginMs;
  };

  const channel: Channel = {
    name: 'whatsapp',
    perSecond,
    sentSince,

    send(to: string, message: Outbound): Promise<Delivery> {
      return step(to, async (address, nextSlot) => {
        let open: boolean;
        try {
          open = await windowOpen(address);
        } catch {
          return { status: 'failed', error: 'window_unknown', retryable: true };
        }
        if (!open) return asTemplate(address, message);
        try {
          return await freeForm(address, message);
        } catch (err) {
          // Our reading of the window was wrong (a clock apart, a message WhatsApp never counted): a template if there is one.
          if ((err as { code?: unknown }).code !== outsideWindow) throw err;
          deps.log.warn({ error: outsideWindow }, 'whatsapp refused a free-form message outside the window');
          // The template is a message of its own: it goes in a slot of its own.
          return (await nextSlot()) ?? asTemplate(address, message);
        }
      });
    },
  };
  if (deps.product) whatsappReceivers.add(channel, { authToken: config.authToken, defaultCountry: config.defaultCountry, windows: deps.windows, deps: deps.product, send: (to, m) => channel.send(to, m), unsent });
  return channel;
}
