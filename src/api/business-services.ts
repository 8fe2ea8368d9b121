import type { FastifyInstance } from 'fastify';
import { StaffService } from '../staff/staff-service.js';
import type { BusinessSettings } from '../store/index.js';
import { DeepLinks } from '../surveys/deep-links.js';
import { SurveyStarter } from '../surveys/start-survey.js';

/** The services the REST API calls, bound to one business. */
export interface BusinessServices {
  business: BusinessSettings;
  surveys: SurveyStarter;
  links: DeepLinks;
  staff: StaffService;
}

/**
 * The services of a business: the app's own for the first business (`app.business`), others made
 * on first use from the same store, outbox and clock (cheap objects, no state of their own beyond
 * the settings, so a changed setting is picked up when the settings object changes).
 */
export function businessServices(app: FastifyInstance): (business: BusinessSettings) => BusinessServices {
  const made = new WeakMap<BusinessSettings, BusinessServices>();
  const own: BusinessServices = { business: app.business, surveys: app.surveys, links: app.links, staff: app.staff };
  return (business) => {
    if (business.id === app.business.id) return own;
    let services = made.get(business);
    if (!services) {
      const surveys = new SurveyStarter(app.store, business, app.outbox, app.now);
      services = { business, surveys, links: new DeepLinks(app.store, business, surveys, app.conversations, app.now), staff: new StaffService(app.store, business.id, app.now) };
      made.set(business, services);
    }
    return services;
  };
}
