import fp from 'fastify-plugin';
import { DetractorAlerts } from '../alerts/detractor-alerts.js';
import type { Config } from '../config.js';
import { DigestScheduler } from '../digest/digest-scheduler.js';
import { normalizeAddress } from '../surveys/start-survey.js';
import { StaffCommands } from '../staff/commands.js';
import { StaffService } from '../staff/staff-service.js';

declare module 'fastify' {
  interface FastifyInstance {
    staff: StaffService;
    alerts: DetractorAlerts;
    digests: DigestScheduler;
    commands: StaffCommands;
  }
}

/** The owner's side: staff identities, commands, detractor alerts and the weekly digest. */
export default fp<{ config: Config }>(
  async (app, { config }) => {
    const { store, business, outbox, now, log } = app;
    const staff = new StaffService(store, business.id, now);
    const digests = new DigestScheduler(store, business, staff, outbox, config.owners.digestSchedule, `${config.publicUrl}/dashboard`, now, log);
    const commands = new StaffCommands({
      store,
      business,
      staff,
      starter: app.surveys,
      links: app.links,
      outbox,
      channels: app.channels,
      digestText: (channel) => digests.text(digests.lastWeek(now()), channel),
      now,
      log,
    });
    const alerts = new DetractorAlerts(store, staff, outbox, now, log);
    app.decorate('staff', staff);
    app.decorate('digests', digests);
    app.decorate('commands', commands);
    app.decorate('alerts', alerts);
    app.addHook('preClose', () => alerts.drain());

    // Owners from OWNER_ADDRESSES; with none at all, a one-time code in the log.
    for (const { channel, address } of config.owners.addresses) {
      await staff.add({ channel, address: normalizeAddress(channel, address, business.country) }, 'owner');
    }
    const code = await staff.issueOwnerCode();
    if (code) log.warn(`No owner yet. Send "/claim ${code}" to the bot from your phone or chat app to become the owner.`);
  },
  { name: 'owners', dependencies: ['store', 'outbox', 'surveys', 'channels'] },
);
