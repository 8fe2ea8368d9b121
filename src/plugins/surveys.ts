import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Channel, ChannelName } from '../channels/channel.js';
import { createChannels } from '../channels/index.js';
import type { Config } from '../config.js';
import { Owners } from '../staff/owners.js';
import { createStore, ensureIndexes, type Store } from '../store/index.js';
import { Outbox } from '../surveys/outbox.js';
import { Sweeper } from '../surveys/sweeper.js';
import { SurveyService, type BusinessSettings } from '../surveys/survey-service.js';

declare module 'fastify' {
  interface FastifyInstance {
    store: Store;
    business: BusinessSettings;
    surveys: SurveyService;
    outbox: Outbox;
    sweeper: Sweeper;
    channels: ReadonlyMap<ChannelName, Channel>;
    owners: Owners;
  }
}

export interface SurveysOptions {
  config: Config;
  now: () => Date;
}

/** The survey service, its store, the channels and the sweeper, wired once per server. */
async function surveys(app: FastifyInstance, { config, now }: SurveysOptions): Promise<void> {
  const store = createStore(app.db);
  await ensureIndexes(store);

  const business: BusinessSettings = {
    id: 'default',
    name: config.business.name,
    timeZone: config.business.timeZone,
    locale: config.business.locale,
    country: config.business.country,
    sendWindow: config.business.sendWindow,
    throttleDays: config.business.throttleDays,
  };
  await store.businesses.updateOne({ _id: business.id }, { $set: business }, { upsert: true });

  const policy = { reminderAfterMs: config.survey.reminderAfterMs, ttlMs: config.survey.ttlMs };
  const channels = new Map<ChannelName, Channel>();
  // The outbox reports provider opt-outs to the service, which itself sends through the outbox.
  const outbox = new Outbox(store, channels, now, app.log, (channel, address, reason) => service.recordOptOut(channel, address, reason));
  const owners = new Owners({ config, store, business, outbox, channels, surveys: () => service, now, log: app.log });
  const service: SurveyService = new SurveyService(store, business, policy, outbox, now, app.log, owners.onEvents);
  const sweeper = new Sweeper(store, service, outbox, policy, now, app.log, owners.sweep);

  const svc = service;
  const enabled = createChannels(config, {
    handleInbound: owners.handleInbound,
    recordDelivery: (update) => outbox.recordDelivery(update),
    recordOptOut: (channel, address, reason) => svc.recordOptOut(channel, address, reason),
    recordOptIn: (channel, address) => svc.setOptOut(channel, address, undefined),
    log: app.log,
    db: app.db,
    now,
    startWebSurvey: (input) => svc.startSurvey({ ...input, channel: 'web', trigger: 'web' }),
  });
  for (const [name, channel] of enabled) {
    channels.set(name, channel);
    await channel.register(app);
  }

  app.decorate('store', store);
  app.decorate('business', business);
  app.decorate('surveys', service);
  app.decorate('outbox', outbox);
  app.decorate('sweeper', sweeper);
  app.decorate('channels', channels);
  app.decorate('owners', owners);
  await owners.start();

  app.addHook('onReady', async () => sweeper.start(config.survey.sweepIntervalMs));
  app.addHook('preClose', async () => {
    await sweeper.stop();
    for (const channel of channels.values()) await channel.close?.();
  });
}

export default fp(surveys, { name: 'surveys', dependencies: ['database'] });
