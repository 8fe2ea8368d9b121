import { describe, expect, it } from 'vitest';
import { parseCommand, usageReply, type CommandName, type ParseOptions, type ParseResult } from '../../src/staff/parse-command.js';
import { languageCodes } from '../../src/dialogs/languages.js';

const id = '65f1c0ffee0123456789abcd';
const slash: ParseOptions = { slashOptional: false, country: 'US' };
const bare: ParseOptions = { slashOptional: true, country: 'US' };
const britain: ParseOptions = { slashOptional: false, country: 'GB' };

const usage: Record<CommandName, string> = {
  survey: '/survey nps|csat|ces <phone | customer id | channel:address> [context]',
  link: '/link nps|csat|ces [customer id] [context]',
  qr: `/qr nps|csat|ces [lang=${languageCodes().join('|')}] [location=…] [staff=…] [product=…] [campaign=…]`,
  stats: '/stats [7d|30d|90d]',
  digest: '/digest',
  dashboard: '/dashboard',
  reply: '/reply <survey id> <text>',
  end: '/end <survey id>',
  help: '/help',
  language: '/language [en|es|ur]',
  claim: '/claim <code>',
  staff: '/staff | /staff add <channel>:<address> [owner|staff] | /staff remove <channel>:<address>',
};
const invalid = (name: CommandName, problem: string): ParseResult => ({ type: 'invalid', name, problem, usage: usage[name], words: expect.anything() as never });
const notPhone = (text: string) => `"${text}" is not a phone number: write it in international format such as +14155552671`;
const kinds = 'use nps, csat or ces';
const channels = 'use sms, telegram, teams, web or whatsapp';

const table: Array<[string, ParseOptions, ParseResult]> = [
  ['/help', slash, { type: 'command', command: { name: 'help' } }],
  ['  /HELP  ', slash, { type: 'command', command: { name: 'help' } }],
  ['/help@AcmeBot', slash, { type: 'command', command: { name: 'help' } }],
  ['help', slash, { type: 'none' }],
  ['help', bare, { type: 'command', command: { name: 'help' } }],
  [`/end ${id}`, slash, { type: 'command', command: { name: 'end', surveyId: id } }],
  ['/end', slash, invalid('end', 'the survey id is missing: copy it from the forwarded answer')],
  [`/end ${id} now`, slash, invalid('end', 'unexpected "now": /end takes only the survey id')],
  ['/help me', slash, invalid('help', 'unexpected "me": /help takes nothing after it')],
  ['9', bare, { type: 'none' }],
  ['nine', bare, { type: 'none' }],
  ['the parcel was late', bare, { type: 'none' }],
  ['/stop', slash, { type: 'none' }],
  ['/stats', slash, { type: 'command', command: { name: 'stats', days: 30 } }],
  ['/stats 7d', slash, { type: 'command', command: { name: 'stats', days: 7 } }],
  ['stats 90', bare, { type: 'command', command: { name: 'stats', days: 90 } }],
  ['/stats 14d', slash, invalid('stats', '"14d" is not a period: use 7d, 30d or 90d')],
  ['/stats 7d 30d', slash, invalid('stats', 'unexpected "30d": /stats takes one period')],
  ['/digest', slash, { type: 'command', command: { name: 'digest' } }],
  ['/digest now', slash, invalid('digest', 'unexpected "now": /digest takes nothing after it')],
  ['/claim abc123def', slash, { type: 'command', command: { name: 'claim', code: 'abc123def' } }],
  ['/claim', slash, invalid('claim', 'the code is missing: write the one-time code from the server log')],
  ['/claim ab', slash, invalid('claim', '"ab" is not a claim code: copy the one-time code from the server log')],
  ['/claim abcdefgh ijk', slash, invalid('claim', 'unexpected "ijk": the code is one word')],
  [`/reply ${id} Sorry about that, we will call you`, slash, { type: 'command', command: { name: 'reply', surveyId: id, text: 'Sorry about that, we will call you' } }],
  [`/reply ${id.toUpperCase()} ok`, slash, { type: 'command', command: { name: 'reply', surveyId: id, text: 'ok' } }],
  ['/reply', slash, invalid('reply', 'the survey id is missing: copy it from the alert')],
  [`/reply ${id}`, slash, invalid('reply', 'the reply text is missing: write it after the survey id')],
  ['/reply 123 hello', slash, invalid('reply', '"123" is not a survey id: copy the 24-character id from the alert')],

  // Phone numbers as owners write them; the business country (DEFAULT_COUNTRY) fills in the country code.
  ['/survey nps +14155552671', slash, { type: 'command', command: { name: 'survey', kind: 'nps', target: { type: 'phone', phone: '+14155552671' } } }],
  ['/survey nps (415) 555-2671', slash, { type: 'command', command: { name: 'survey', kind: 'nps', target: { type: 'phone', phone: '+14155552671' } } }],
  ['/survey nps +1 415 555 2671', slash, { type: 'command', command: { name: 'survey', kind: 'nps', target: { type: 'phone', phone: '+14155552671' } } }],
  ['survey CSAT 415-555-2671 order 1042 pickup', bare, { type: 'command', command: { name: 'survey', kind: 'csat', target: { type: 'phone', phone: '+14155552671' }, context: 'order 1042 pickup' } }],
  ['/survey nps 415 555 2671 1042', slash, { type: 'command', command: { name: 'survey', kind: 'nps', target: { type: 'phone', phone: '+14155552671' }, context: '1042' } }],
  ['/survey nps +44 20 7946 0958 the new menu', slash, { type: 'command', command: { name: 'survey', kind: 'nps', target: { type: 'phone', phone: '+442079460958' }, context: 'the new menu' } }],
  ['/survey nps 020 7946 0958', britain, { type: 'command', command: { name: 'survey', kind: 'nps', target: { type: 'phone', phone: '+442079460958' } } }],
  ['/survey nps sms:(415) 555-2671 the new menu', slash, { type: 'command', command: { name: 'survey', kind: 'nps', target: { type: 'address', channel: 'sms', address: '+14155552671' }, context: 'the new menu' } }],
  [`/survey ces ${id}`, slash, { type: 'command', command: { name: 'survey', kind: 'ces', target: { type: 'customer', customerId: id } } }],
  ['/survey nps telegram:12345 the new menu', slash, { type: 'command', command: { name: 'survey', kind: 'nps', target: { type: 'address', channel: 'telegram', address: '12345' }, context: 'the new menu' } }],
  ['/survey', slash, invalid('survey', `the survey kind is missing: ${kinds}`)],
  ['/survey nps', slash, invalid('survey', 'the customer is missing: write a phone number, a customer id or channel:address')],
  ['/survey xyz +14155552671', slash, invalid('survey', `unknown survey kind "xyz": ${kinds}`)],
  ['/survey nps 555', slash, invalid('survey', notPhone('555'))],
  ['/survey nps (415) 555-267', slash, invalid('survey', notPhone('(415) 555-267'))],
  ['/survey nps +15551234567', slash, invalid('survey', notPhone('+15551234567'))],
  ['/survey nps 020 7946 0958', slash, invalid('survey', notPhone('020 7946 0958'))],
  ['/survey nps sms:555', slash, invalid('survey', notPhone('555'))],
  ['/survey nps bob', slash, invalid('survey', `"bob" is not a phone number, customer id or channel:address: write e.g. +14155552671, ${id} or telegram:12345`)],
  ['/survey nps fax:123', slash, invalid('survey', `unknown channel "fax": ${channels}`)],
  ['/survey nps telegram:', slash, invalid('survey', 'the address after "telegram:" is missing: write e.g. telegram:12345')],

  ['/staff add sms:+14155552671', slash, { type: 'command', command: { name: 'staff', action: 'add', channel: 'sms', address: '+14155552671', role: 'staff' } }],
  ['/staff add sms:(415) 555-2671 owner', slash, { type: 'command', command: { name: 'staff', action: 'add', channel: 'sms', address: '+14155552671', role: 'owner' } }],
  ['/staff add teams:29:abc-def owner', slash, { type: 'command', command: { name: 'staff', action: 'add', channel: 'teams', address: '29:abc-def', role: 'owner' } }],
  ['/staff', slash, { type: 'command', command: { name: 'staff', action: 'list' } }],
  ['/staff remove sms:+14155552671', slash, { type: 'command', command: { name: 'staff', action: 'remove', channel: 'sms', address: '+14155552671' } }],
  ['/staff remove sms:+14155552671 owner', slash, invalid('staff', 'unexpected "owner": the identity is the last word')],
  ['/staff fire sms:+14155552671', slash, invalid('staff', 'unknown action "fire": use /staff, /staff add or /staff remove')],
  ['/staff add', slash, invalid('staff', 'the identity is missing: write channel:address, e.g. sms:+14155552671 or telegram:12345')],
  ['/staff add 4155552671', slash, invalid('staff', '"4155552671" is not channel:address: write e.g. sms:+14155552671 or telegram:12345')],
  ['/staff add fax:123', slash, invalid('staff', `unknown channel "fax": ${channels}`)],
  ['/staff add sms:555', slash, invalid('staff', notPhone('555'))],
  ['/staff add sms:+14155552671 boss', slash, invalid('staff', 'unknown role "boss": use owner or staff')],
  ['/staff add sms:+14155552671 owner now', slash, invalid('staff', 'unexpected "now": the role is the last word')],

  ['/link csat', slash, { type: 'command', command: { name: 'link', kind: 'csat' } }],
  ['/link NPS table 4 tonight', slash, { type: 'command', command: { name: 'link', kind: 'nps', context: 'table 4 tonight' } }],
  ['link ces', bare, { type: 'command', command: { name: 'link', kind: 'ces' } }],
  ['link ces', slash, { type: 'none' }],
  [`/link csat ${id.toUpperCase()} the repair`, slash, { type: 'command', command: { name: 'link', kind: 'csat', customerId: id, context: 'the repair' } }],
  ['/link', slash, invalid('link', `the survey kind is missing: ${kinds}`)],
  ['/qr csat', slash, { type: 'command', command: { name: 'qr', kind: 'csat' } }],
  ['/qr nps location=Main Street staff=Ana María lang=ES campaign=spring', slash, { type: 'command', command: { name: 'qr', kind: 'nps', location: 'Main Street', staff: 'Ana María', locale: 'es', campaign: 'spring' } }],
  ['/qr ces product=Blue mug', slash, { type: 'command', command: { name: 'qr', kind: 'ces', product: 'Blue mug' } }],
  ['/qr', slash, invalid('qr', `the survey kind is missing: ${kinds}`)],
  ['/qr nps Main Street', slash, invalid('qr', '"Main Street" names no field: write e.g. location=Main Street staff=Ana')],
  ['/qr nps lang=fr', slash, invalid('qr', 'unknown language "fr": use en, ar, es, pt, ur')],
  ['/qr nps staff=', slash, invalid('qr', 'staff= has no value')],
  ['/link please', slash, invalid('link', `unknown survey kind "please": ${kinds}`)],
  ['/start', slash, { type: 'none' }],
  ['/start default-csat', slash, { type: 'none' }],
  ['/unknown thing', slash, { type: 'none' }],
];

describe('parseCommand', () => {
  it.each(table)('%j (%j)', (text, options, expected) => {
    expect(parseCommand(text, options)).toEqual(expected);
  });

  it('refuses a context over 200 characters, saying how long it is', () => {
    expect(parseCommand(`/survey nps +14155552671 ${'x'.repeat(201)}`, slash)).toEqual(invalid('survey', 'the context is 201 characters long: keep it to 200'));
    expect(parseCommand(`/link nps ${'x'.repeat(250)}`, slash)).toEqual(invalid('link', 'the context is 250 characters long: keep it to 200'));
  });
});

describe('usageReply', () => {
  it('says what is wrong, then the usage line', () => {
    expect(usageReply('survey', notPhone('555'))).toBe(`${notPhone('555')}\nUsage: ${usage.survey}`);
  });
});
