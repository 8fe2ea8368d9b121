import type { ChannelDriver } from '../driver.js';
import { teamsDriver } from './teams.js';
import { webDriver } from './web.js';

/** Every channel runs every scenario unchanged. A channel that behaves differently is a bug. */
export const drivers: ChannelDriver[] = [webDriver, teamsDriver];
