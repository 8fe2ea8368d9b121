import fp from 'fastify-plugin';
import { DetractorAlerts } from '../alerts/detractor-alerts.js';
import { BusinessDirectory } from '../businesses/directory.js';
import { DashboardAccess } from '../dashboard/access.js';
import { serveBusiness, type ServedBusiness } from '../businesses/services.js';
import { environmentBusinessId } from '../businesses/environment-business.js';
import type { Config } from '../config.js';
import type { DigestScheduler } from '../digest/digest-scheduler.js';
import type { InboundPipeline } from '../inbound/pipeline.js';
import type { StaffService } from '../staff/staff-service.js';
import type { SurveyStarter } from '../surveys/start-survey.js';

declare module 'fastify' {
  interface FastifyInstance {
    businesses: BusinessDirectory;
    alerts: DetractorAlerts;
    dashboardAccess: DashboardAccess;
    /** The services of the business the environment describes (a single-business install's only one), for convenience. */
    surveys: SurveyStarter;
    staff: StaffService;
    digests: DigestScheduler;
    pipeline: InboundPipeline;
  }
}

/**
 * Every business's services, each built with the business it serves (surveys, deep links, staff,
 * commands, digest, inbound pipeline), and the owner alerts they share.
 */
export default fp<{ config: Config }>(
  async (app, { config }) => {
    const { store, conversations, outbox, now, log } = app;
    const alerts = new DetractorAlerts(store, outbox, now, log);
    const dashboard = new DashboardAccess(store, config.publicUrl, now);
    const shared = { store, conversations, outbox, alerts, dashboard, digestSchedule: config.owners.digestSchedule, publicUrl: config.publicUrl, now, log };
    const all: ServedBusiness[] = [];
    for (const { settings, basePath, channels } of app.businessChannels.values()) all.push(serveBusiness(settings, basePath, channels, shared));
    app.decorate('businesses', new BusinessDirectory(all));
    const own = all.find((b) => b.settings.id === environmentBusinessId)!;
    app.decorate('alerts', alerts);
    app.decorate('dashboardAccess', dashboard);
    app.decorate('surveys', own.surveys);
    app.decorate('staff', own.staff);
    app.decorate('digests', own.digests);
    app.decorate('pipeline', own.pipeline);
    app.addHook('preClose', async () => {
      await Promise.all(all.map((b) => b.pipeline.drain()));
      await alerts.drain();
    });

    // A business with no owner at all gets a one-time code in the log.
    for (const business of all) {
      const code = await business.staff.issueOwnerCode();
      if (code) log.warn(`No owner yet. Send "/claim ${code}" to the bot of business "${business.settings.id}" from your phone or chat app to become the owner.`);
    }
  },
  { name: 'businesses', dependencies: ['store', 'conversations', 'outbox', 'channels'] },
);
