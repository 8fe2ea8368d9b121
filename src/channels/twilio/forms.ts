import { z } from 'zod';
import type { DeliveryUpdate } from '../channel.js';

/** A form field Twilio always sends: missing or empty is a 400 naming it. */
export const required = (name: string) => z.string({ error: `${name} is required` }).min(1, `${name} is required`);

/** A status callback's form, SMS and WhatsApp alike (`To`: the SMS route records a carrier opt-out by it). */
export const statusBody = z.object({
  MessageSid: required('MessageSid'),
  MessageStatus: required('MessageStatus'),
  ErrorCode: z.string().optional(),
  To: z.string().optional(),
});

/** Twilio's message statuses folded into ours (WhatsApp's read receipts included); inbound-only ones (receiving, received) are not reports. */
export const statusMap: Record<string, DeliveryUpdate['status']> = {
  accepted: 'queued',
  scheduled: 'queued',
  queued: 'queued',
  sending: 'sent',
  sent: 'sent',
  delivered: 'delivered',
  undelivered: 'undelivered',
  failed: 'failed',
  canceled: 'failed',
  read: 'read',
};
