import type { FastifyInstance } from 'fastify';
import type { ServedBusiness } from '../businesses/services.js';
import { ForbiddenError } from '../errors.js';
import type { BusinessSettings } from '../store/index.js';

/** The services the REST API calls, bound to one business. */
export type BusinessApiServices = Pick<ServedBusiness, 'surveys' | 'links' | 'staff' | 'channels'> & { business: BusinessSettings };

/** The services of the business a key belongs to, from the directory (its own channels, deep links and staff). */
export function apiServicesOf(app: FastifyInstance): (business: BusinessSettings) => Promise<BusinessApiServices> {
  return async (business) => {
    const served = await app.businesses.get(business.id);
    if (!served) throw new ForbiddenError(`business ${business.id} is disabled: its keys reach nothing until it is enabled`);
    return { business: served.settings, surveys: served.surveys, links: served.links, staff: served.staff, channels: served.channels };
  };
}
