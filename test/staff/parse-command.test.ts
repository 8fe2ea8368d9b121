import { describe, expect, it } from 'vitest';
import { parseCommand, type ParseResult } from '../../src/staff/parse-command.js';

const id = '65f1c0ffee0123456789abcd';
const slash = { slashOptional: false };
const bare = { slashOptional: true };

const table: Array<[string, typeof slash, ParseResult]> = [
  ['/help', slash, { type: 'command', command: { name: 'help' } }],
  ['  /HELP  ', slash, { type: 'command', command: { name: 'help' } }],
  ['/help@AcmeBot', slash, { type: 'command', command: { name: 'help' } }],
  ['help', slash, { type: 'none' }],
  ['help', bare, { type: 'command', command: { name: 'help' } }],
  ['9', bare, { type: 'none' }],
  ['nine', bare, { type: 'none' }],
  ['the parcel was late', bare, { type: 'none' }],
  ['/stop', slash, { type: 'none' }],
  ['/stats', slash, { type: 'command', command: { name: 'stats', days: 30 } }],
  ['/stats 7d', slash, { type: 'command', command: { name: 'stats', days: 7 } }],
  ['stats 90', bare, { type: 'command', command: { name: 'stats', days: 90 } }],
  ['/stats 14d', slash, { type: 'invalid', name: 'stats', usage: '/stats [7d|30d|90d]' }],
  ['/digest', slash, { type: 'command', command: { name: 'digest' } }],
  ['/digest now', slash, { type: 'invalid', name: 'digest', usage: '/digest' }],
  ['/claim abc123def', slash, { type: 'command', command: { name: 'claim', code: 'abc123def' } }],
  ['/claim', slash, { type: 'invalid', name: 'claim', usage: '/claim <code>' }],
  [`/reply ${id} Sorry about that, we will call you`, slash, { type: 'command', command: { name: 'reply', surveyId: id, text: 'Sorry about that, we will call you' } }],
  [`/reply ${id.toUpperCase()} ok`, slash, { type: 'command', command: { name: 'reply', surveyId: id, text: 'ok' } }],
  [`/reply ${id}`, slash, { type: 'invalid', name: 'reply', usage: '/reply <survey id> <text>' }],
  ['/reply 123 hello', slash, { type: 'invalid', name: 'reply', usage: '/reply <survey id> <text>' }],
  ['/survey nps +15551234567', slash, { type: 'command', command: { name: 'survey', kind: 'nps', target: { type: 'phone', phone: '+15551234567' } } }],
  ['survey CSAT 555-123-4567 order 1042 pickup', bare, { type: 'command', command: { name: 'survey', kind: 'csat', target: { type: 'phone', phone: '555-123-4567' }, context: 'order 1042 pickup' } }],
  [`/survey ces ${id}`, slash, { type: 'command', command: { name: 'survey', kind: 'ces', target: { type: 'customer', customerId: id } } }],
  ['/survey nps telegram:12345 the new menu', slash, { type: 'command', command: { name: 'survey', kind: 'nps', target: { type: 'address', channel: 'telegram', address: '12345' }, context: 'the new menu' } }],
  ['/survey nps', slash, { type: 'invalid', name: 'survey', usage: '/survey nps|csat|ces <phone | customer id | channel:address> [context]' }],
  ['/survey xyz +15551234567', slash, { type: 'invalid', name: 'survey', usage: '/survey nps|csat|ces <phone | customer id | channel:address> [context]' }],
  ['/survey nps bob', slash, { type: 'invalid', name: 'survey', usage: '/survey nps|csat|ces <phone | customer id | channel:address> [context]' }],
  ['/survey nps fax:123', slash, { type: 'invalid', name: 'survey', usage: '/survey nps|csat|ces <phone | customer id | channel:address> [context]' }],
  ['/staff add sms:+15550001111', slash, { type: 'command', command: { name: 'staff', channel: 'sms', address: '+15550001111', role: 'staff' } }],
  ['/staff add teams:29:abc-def owner', slash, { type: 'command', command: { name: 'staff', channel: 'teams', address: '29:abc-def', role: 'owner' } }],
  ['/staff remove sms:+15550001111', slash, { type: 'invalid', name: 'staff', usage: '/staff add <channel>:<address> [owner|staff]' }],
  ['/staff add sms:+15550001111 boss', slash, { type: 'invalid', name: 'staff', usage: '/staff add <channel>:<address> [owner|staff]' }],
  ['/link csat', slash, { type: 'command', command: { name: 'link', kind: 'csat' } }],
  ['/link NPS table 4 tonight', slash, { type: 'command', command: { name: 'link', kind: 'nps', context: 'table 4 tonight' } }],
  ['link ces', bare, { type: 'command', command: { name: 'link', kind: 'ces' } }],
  ['link ces', slash, { type: 'none' }],
  [`/link csat ${id.toUpperCase()} the repair`, slash, { type: 'command', command: { name: 'link', kind: 'csat', customerId: id, context: 'the repair' } }],
  ['/link', slash, { type: 'invalid', name: 'link', usage: '/link nps|csat|ces [customer id] [context]' }],
  ['/link please', slash, { type: 'invalid', name: 'link', usage: '/link nps|csat|ces [customer id] [context]' }],
  ['/start', slash, { type: 'none' }],
  ['/start default-csat', slash, { type: 'none' }],
  ['/unknown thing', slash, { type: 'none' }],
];

describe('parseCommand', () => {
  it.each(table)('%j (slash optional: %j)', (text, options, expected) => {
    expect(parseCommand(text, options)).toEqual(expected);
  });

  it('refuses a context over 200 characters', () => {
    expect(parseCommand(`/survey nps +15551234567 ${'x'.repeat(201)}`, slash).type).toBe('invalid');
  });
});
