import fp from 'fastify-plugin';
import { DetractorAlerts } from '../alerts/detractor-alerts.js';
import { BusinessDirectory } from '../businesses/directory.js';
import { serveBusiness, type ServedBusiness } from '../businesses/services.js';
import { basePathOf, channelSettingsOf, storedIdentities } from '../businesses/settings.js';
import type { ChannelDeps } from '../channels/channel.js';
import { createChannels } from '../channels/index.js';
import type { Config } from '../config.js';
import { DashboardAccess } from '../dashboard/access.js';
import { ZodError } from 'zod';
import { ServiceUnavailableError } from '../errors.js';
import { inFlightGuard } from './in-flight.js';
import { linkStart } from '../links/survey-links.js';
import { leaveContact } from '../surveys/web-contact.js';
import { replyKey } from '../store/index.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Every served business, read from the store as requests, sweeps and sends ask for one. */
    businesses: BusinessDirectory;
    alerts: DetractorAlerts;
    dashboardAccess: DashboardAccess;
  }
}

/**
 * The directory of businesses: each business's services (its own channels, surveys, deep links,
 * staff, commands, digest, inbound pipeline) built from what is stored when first asked for, and
 * again when the stored business changes; and the owner alerts they share.
 */
export default fp<{ config: Config }>(
  async (app, { config }) => {
    const { store, conversations, outbox, now, log } = app;
    // Owners without a language of their own read alerts in their business's, from the served business (made below).
    const owners: { directory?: BusinessDirectory } = {};
    const alerts = new DetractorAlerts(store, outbox, now, log, async (id) => (await owners.directory?.get(id))?.settings.locale);
    const dashboard = new DashboardAccess(store, config.publicUrl, now);
    const shared = { store, conversations, outbox, alerts, dashboard, digestSchedule: config.owners.digestSchedule, publicUrl: config.publicUrl, now, log };
    const guard = inFlightGuard();
    app.addHook('onRequest', (request, reply, done) => guard.enter(reply.raw, done));

    /** A business's identities as stored; one that cannot be opened or is no longer accepted is a 503 naming no secret. */
    const identitiesOf = (id: string, sealed: string | undefined) => {
      let opened: unknown;
      try {
        opened = sealed ? JSON.parse(app.secrets.open(sealed)) : {};
      } catch {
        throw new ServiceUnavailableError(`business ${id} cannot be served: its channel identities do not open with SECRETS_KEY (start with the key they were sealed with, or give the business its identities again)`);
      }
      try {
        return storedIdentities(opened);
      } catch (err) {
        // Field names only: a message about a value could quote it.
        const fields = err instanceof ZodError ? [...new Set(err.issues.map((i) => i.path.join('.')))].join(', ') : 'unknown';
        throw new ServiceUnavailableError(`business ${id} cannot be served: its stored channel identities are no longer accepted (${fields}); give the business its identities again`);
      }
    };

    const build = async (id: string, { announce }: { announce: boolean }): Promise<ServedBusiness | undefined> => {
      const settings = await store.businesses.get(id);
      if (!settings || settings.disabled) return undefined;
      const identities = identitiesOf(id, await store.businesses.sealedChannels(id));
      const businessLog = log.child({ business: id });
      // The channels are made before the services that use them; what they hand on reaches the services made next.
      const made: { served?: ServedBusiness } = {};
      const services = () => made.served!;
      const product: ChannelDeps = {
        handleInbound: async (inbound) => {
          const result = await guard.handle(id, inbound, (i) => services().pipeline.handle(i));
          app.metrics.countInbound(inbound.channel, result);
          return result;
        },
        recordDelivery: (update) => outbox.recordDelivery(update),
        recordOptOut: (channel, address, reason) => conversations.recordOptOut(id, channel, address, reason),
        recordOptIn: (channel, address) => conversations.setOptOut(id, channel, address, undefined),
        queueReplies: (channel, address, replies, messageId, since) => outbox.queueReplies({ businessId: id, channel, address }, replies, (i) => replyKey(channel, messageId, i), since),
        // A survey link's entry (`link:<code>`): the link's kind, language and context, never the page's (404 or 410 when it takes no answers).
        startWebSurvey: async ({ entry, ...input }) => {
          const { code, ...asked } = entry?.startsWith('link:') ? await linkStart(store, id, entry, now()) : { code: undefined };
          return services().surveys.start({ ...input, ...asked, channel: 'web', trigger: 'web' }, code ? { link: code } : {});
        },
        webQuestion: async ({ entry, ...input }) => {
          const { code: _code, tags: _tags, ...asked } = entry?.startsWith('link:') ? await linkStart(store, id, entry, now()) : { code: undefined, tags: undefined };
          return services().surveys.firstMessages({ ...input, ...asked });
        },
        identifyWebVisitor: (input) => leaveContact(store, services().settings, input, now()),
        log: businessLog,
        now,
      };
      const place = { publicUrl: config.publicUrl, basePath: basePathOf(id), country: settings.country, timeZone: settings.timeZone, widgetOrigins: settings.widgetOrigins ?? [], locale: settings.locale, setWebhook: announce };
      const channels = await createChannels(channelSettingsOf(identities, config), place, { businessId: id, log: businessLog, now, store, product, slotsGivenUp: (channel, reason) => app.metrics.sendSlotsGivenUp.inc({ channel, reason }) });
      made.served = serveBusiness(settings, channels, shared);
      return made.served;
    };

    const directory = new BusinessDirectory({
      stamps: () => store.businesses.stamps(),
      stamp: (id) => store.businesses.stamp(id),
      build,
      async release(served) {
        await served.pipeline.drain();
        for (const channel of served.channels.values()) await channel.close?.();
      },
      onError: (err, id) =>
        err instanceof ServiceUnavailableError
          ? log.error({ business: id, reason: err.message }, 'a business cannot be served as stored')
          : log.error({ err, business: id }, 'serving a business failed'),
    });
    owners.directory = directory;
    await directory.start(config.businessRefreshMs, (err) => log.warn({ err }, 'reading the businesses again failed'));
    app.decorate('businesses', directory);
    app.decorate('alerts', alerts);
    app.decorate('dashboardAccess', dashboard);

    // At start every business is served at once (Telegram is told where each bot's webhook is), and
    // one with no owner at all gets a one-time code in the log.
    app.addHook('onReady', async () => {
      for (const id of await directory.ids()) {
        const business = await directory.changed(id);
        const code = await business?.staff.issueOwnerCode();
        if (code) log.warn(`No owner yet. Send "/claim ${code}" to the bot of business "${id}" from your phone or chat app to become the owner.`);
      }
    });
    app.addHook('preClose', async () => {
      await Promise.all((await directory.stop()).map((b) => b.pipeline.drain()));
      await alerts.drain();
    });
    app.addHook('onClose', () => directory.close());
  },
  { name: 'businesses', dependencies: ['store', 'conversations', 'outbox', 'metrics'] },
);
