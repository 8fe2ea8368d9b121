import type { FastifyInstance } from 'fastify';
import type { ServedBusiness } from '../businesses/services.js';
import { ConflictError } from '../errors.js';
import type { BusinessSettings } from '../store/index.js';

/** The services the REST API calls, bound to one business. */
export type BusinessApiServices = Pick<ServedBusiness, 'surveys' | 'links' | 'staff' | 'channels'> & { business: BusinessSettings };

/**
 * The services of the business a key belongs to: the ones the server built for it at start (its
 * own channels, deep links and staff). A business stored after the start is served from the next.
 */
export function apiServicesOf(app: FastifyInstance): (business: BusinessSettings) => BusinessApiServices {
  return (business) => {
    const served = app.businesses.get(business.id);
    if (!served) throw new ConflictError(`business ${business.id} was added after this server started: it is served from its next start`);
    return { business: served.settings, surveys: served.surveys, links: served.links, staff: served.staff, channels: served.channels };
  };
}
