import type { ChannelDriver } from '../driver.js';
import { smsDriver } from './sms.js';
import { teamsDriver } from './teams.js';
import { telegramDriver } from './telegram.js';
import { webDriver } from './web.js';
import { whatsappDriver } from './whatsapp.js';

/** Every channel runs every scenario unchanged. A channel that behaves differently is a bug. */
export const drivers: ChannelDriver[] = [webDriver, smsDriver, telegramDriver, teamsDriver, whatsappDriver];
