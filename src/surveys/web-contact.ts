import { z } from 'zod';
import { phoneChannel } from '../domain/channel-facts.js';
import { ConflictError, ValidationError } from '../errors.js';
import type { ChannelName } from '../domain/channels.js';
import type { BusinessSettings, Store } from '../store/index.js';
import { normalizeAddress } from './start-survey.js';

const email = z.email();

/** A contact as a customer key: a phone number on the phone channel, or an e-mail known to no channel. */
export function contactKey(contact: string, country: string): { channel: typeof phoneChannel | 'external'; address: string; email?: string } {
  const text = contact.trim();
  if (text.includes('@')) {
    if (!email.safeParse(text).success) throw new ValidationError('contact: that e-mail address does not look right');
    const address = text.toLowerCase();
    return { channel: 'external', address: `email:${address}`, email: address };
  }
  try {
    return { channel: phoneChannel, address: normalizeAddress(phoneChannel, text, country) };
  } catch {
    throw new ValidationError('contact: write a phone number (with its country code) or an e-mail address');
  }
}

/**
 * An anonymous respondent (web chat, widget, survey link) leaves a phone number or e-mail after
 * answering: their web customer record is linked to that customer (one person: the timeline shows
 * both), and the survey they answered is identified from now on. Replies to it then go to the phone.
 */
export async function leaveContact(store: Store, business: BusinessSettings, input: { channel: ChannelName; address: string; contact: string }, now: Date): Promise<{ status: 'identified' }> {
  const key = contactKey(input.contact, business.country);
  const visitor = await store.customers.find({ businessId: business.id, channel: input.channel, address: input.address });
  const [survey] = visitor ? await store.surveys.latest(business.id, input.channel, input.address) : [];
  if (!visitor || !survey || survey.score === undefined) throw new ConflictError('Answer the question first; then you may leave a contact.');
  await store.customers.ensureMany([{ businessId: business.id, ...key }]);
  // Everyone already known by that e-mail (an e-mail is no channel), or the customer on that phone number.
  const known =
    key.channel === 'external'
      ? await store.customers.findByIdentities(business.id, { externalIds: [], phones: [], emails: [key.email!] })
      : [await store.customers.find({ businessId: business.id, channel: key.channel, address: key.address })].flatMap((c) => (c ? [c] : []));
  if (!known.length) throw new Error('the contact customer was not stored');
  await store.customers.link(business.id, [...known.map((c) => c.id), visitor.id]);
  await store.threads.markIdentified(business.id, survey.id, now);
  // The dashboard's list of who waits for an answer says who is identified: the week's kept notes are out of date.
  await store.weekAnalyses.replied(business.id, survey.week);
  return { status: 'identified' };
}
