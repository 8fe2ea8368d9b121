import { describe, expect, it } from 'vitest';
import { previewWording } from '../../src/content/preview.js';
import { wordingOf } from '../../src/content/wording.js';
import { wordingProblem } from '../../src/content/wording-rules.js';
import { countSegments } from '../../src/domain/sms-segments.js';

const question = { enabled: true, skipPromoters: true, choices: [{ key: 'delivery', labels: { en: 'Delivery' } }, { key: 'staff', labels: { en: 'Our staff' } }] };

describe('the reason question in the content preview', () => {
  it("shows the business's own wording with its choices: buttons, and a numbered list on SMS counted as sent", () => {
    const wording = wordingOf([{ kind: 'nps', locale: 'en', key: 'reason.question', text: 'What was it about, {firstName}?' }]);
    const messages = previewWording('nps', 'en', { business: 'Acme', customerName: 'Alex Doe' }, wording, question);
    const asked = messages.find((m) => m.key === 'reason.question')!;
    expect(asked.channels.sms.text).toBe('What was it about, Alex? Reply SKIP to skip.\n1. Delivery\n2. Our staff');
    expect(asked.channels.sms.segments).toBe(countSegments(asked.channels.sms.text).segments);
    expect(asked.channels.telegram.keyboard).toEqual([['Delivery', 'Our staff']]);
    expect(asked.channels.web.buttons).toEqual(['Delivery', 'Our staff']);
    const again = messages.find((m) => m.key === 'reason.reprompt')!;
    expect(again.channels.teams.text).toMatch(/^Sorry, I didn't catch that\..*What was it about, Alex\?/);
  });

  it('previews sample choices for a business without a question, and refuses a bad placeholder in it', () => {
    const asked = previewWording('csat', 'es', { business: 'Acme' }, undefined).find((m) => m.key === 'reason.question')!;
    expect(asked.channels.web.buttons).toEqual(['Entrega', 'Precio', 'Calidad']);
    const inArabic = previewWording('csat', 'ar', { business: 'Acme' }, undefined).find((m) => m.key === 'reason.question')!;
    expect([inArabic.channels.web.buttons, inArabic.channels.web.dir]).toEqual([['التوصيل', 'السعر', 'الجودة'], 'rtl']);
    expect(previewWording('csat', 'pt', { business: 'Acme' }, undefined).find((m) => m.key === 'reason.question')!.channels.web.buttons).toEqual(['Entrega', 'Preço', 'Qualidade']);
    expect(wordingProblem('reason.question', 'nps', 'en', 'About {topic}?')).toMatch(/unknown placeholder \{topic\}/);
  });
});
