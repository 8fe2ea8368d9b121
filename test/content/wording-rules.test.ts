import { describe, expect, it } from 'vitest';
import { previewWording, maxSmsSegments } from '../../src/content/preview.js';
import { wordingOf } from '../../src/content/wording.js';
import { wordingProblem } from '../../src/content/wording-rules.js';
import { countSegments } from '../../src/channels/sms/segments.js';

const npsQuestion = 'How likely are you to recommend {business} for {product}? Reply {min}-{max}';

describe("a business's own message is checked", () => {
  it.each([
    ['a question with the scale', 'question', npsQuestion],
    ['a select on a known flag', 'thankYou.promoter', '{hasName, select, yes {Thanks {firstName}!} other {Thanks!}} See you at {location}.'],
    ['a plural on the scale', 'reprompt', 'Please answer with one of {max, plural, one {# number} other {# numbers}} from {min}.'],
    ['an invitation that repeats the question', 'invitation', 'Hello from {business}! {question}'],
    ['an apostrophe', 'closing', "That's fine, thanks."],
  ] as const)('accepts %s', (_, key, text) => {
    expect(wordingProblem(key, 'nps', 'en', text)).toBeUndefined();
  });

  it.each([
    ['an unknown placeholder', 'question', 'How was {shop}? Reply {min}-{max}', /unknown placeholder \{shop\}/],
    ['a question without the top of the scale', 'question', 'How likely? Reply from {min}', /\{max\} is missing/],
    ['a question without any scale', 'question', 'How likely are you to recommend us?', /\{min\} is missing/],
    ['a plural form without other', 'reprompt', '{max, plural, one {# number}} from {min}', /"other" case/],
    ['a plural form with a made-up case', 'reprompt', '{max, plural, lots {many} other {# numbers}}', /case "lots"/],
    ['a plural form on text', 'closing', '{business, plural, one {x} other {y}}', /not a number/],
    ['a select form without other', 'thankYou.passive', '{hasName, select, yes {Hi {name}}} thanks', /"other" case/],
    ['an unclosed brace', 'closing', 'Thanks {business', /not closed|"other" case|not a valid/],
    ['a date', 'closing', 'Thanks {business, date}', /not a date/],
    ['{question} outside the invitation and reminder', 'closing', 'Bye. {question}', /unknown placeholder \{question\}/],
    ['an invitation that asks nothing', 'invitation', 'Hello from {business}!', /must include \{question\}/],
  ] as const)('refuses %s, naming it', (_, key, text, reason) => {
    expect(wordingProblem(key, 'nps', 'en', text)).toMatch(reason);
  });
});

describe('the preview', () => {
  const vars = { business: 'Acme Coffee', customerName: 'Ana', product: 'Blue mug' };

  it('renders the business wording through the dialog, with buttons and the comment box where channels show them', () => {
    const wording = wordingOf([{ kind: 'nps', locale: 'en', key: 'question', text: npsQuestion }]);
    const messages = previewWording('nps', 'en', vars, wording);
    expect(messages.map((m) => m.key)).toEqual([
      'invitation', 'question', 'reminder',
      'followUp.detractor', 'thankYou.detractor', 'followUp.passive', 'thankYou.passive', 'followUp.promoter', 'thankYou.promoter',
      'reprompt', 'closing', 'reason.question', 'reason.reprompt',
    ]);
    const question = messages.find((m) => m.key === 'question')!;
    expect(question.channels.sms.text).toBe('How likely are you to recommend Acme Coffee for Blue mug? Reply 0-10');
    expect(question.channels.telegram.keyboard).toEqual([['0', '1', '2', '3', '4', '5'], ['6', '7', '8', '9', '10']]);
    expect(messages.find((m) => m.key === 'invitation')!.channels.web.text).toBe(`Hi Ana! ${question.channels.sms.text}`);
    expect(messages.find((m) => m.key === 'followUp.detractor')!.channels.teams.commentBox).toEqual({ placeholder: 'Type your answer', send: 'Send', skip: 'Skip' });
    expect(previewWording('nps', 'ur', vars, wording).every((m) => m.channels.web.dir === 'rtl')).toBe(true);
  });

  it('counts SMS segments with the code the SMS channel uses, and flags a message over the limit', () => {
    const long = `${'Tell us everything about your visit to {business}. '.repeat(9)}Reply {min}-{max}`;
    const messages = previewWording('nps', 'es', vars, wordingOf([{ kind: 'nps', locale: 'es', key: 'question', text: long }]));
    for (const m of messages) expect(countSegments(m.channels.sms.text)).toEqual({ encoding: m.channels.sms.encoding, segments: m.channels.sms.segments, characters: m.channels.sms.characters });
    const question = messages.find((m) => m.key === 'question')!;
    expect(question.channels.sms.segments).toBeGreaterThan(maxSmsSegments);
    expect(question.flags).toEqual([`SMS: ${question.channels.sms.segments} segments (GSM-7), over the limit of ${maxSmsSegments}`]);
    expect(messages.find((m) => m.key === 'closing')!.flags).toEqual([]);
    expect(messages.find((m) => m.key === 'followUp.detractor')!.channels.sms.encoding).toBe('UCS-2');
  });
});
