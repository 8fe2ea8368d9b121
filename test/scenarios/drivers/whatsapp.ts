import { createHash, randomInt } from 'node:crypto';
import { promptsFor } from '../../../src/dialogs/prompts/index.js';
import { languageCodes } from '../../../src/dialogs/languages.js';
import { surveyKinds } from '../../../src/domain/surveys.js';
import type { ChannelDriver, SentMessage } from '../driver.js';
import { placeBusiness } from '../business-place.js';
import { newSid } from '../../helpers/fake-twilio.js';
import { startFakeWhatsapp, type FakeWhatsappMessage } from '../../helpers/fake-whatsapp.js';

const publicUrl = 'https://bot.example.test';
const accountSid = newSid('AC');
const authToken = 'scenario-whatsapp-token-0123456789';

/** The value a button or row stands for (`s:<survey>:<value>`). */
const valueOf = (id: string) => /:(-?\d+)$/.exec(id)?.[1] ?? id.replace(/^s:[0-9a-f]+:/, '');
const choicesOf = (m: FakeWhatsappMessage) => [...m.buttons.map((b) => b.id), ...m.items.map((i) => i.id)].map(valueOf);

/**
 * WhatsApp through the fake Twilio. The business's templates are the shipped wording of each
 * invitation and reminder (per kind and language, the business name a variable), as a business
 * would submit them for approval (the context a variable too); so the customer reads the same words as
 * on every other channel, but for a "-" where a survey has no context.
 * A tap goes on the latest message offering that value (a list row or a button), else it is typed
 * (NPS has no list, and a template carries no buttons).
 */
export const whatsappDriver: ChannelDriver = {
  name: 'whatsapp',
  async setup(clock, place) {
    const fake = await startFakeWhatsapp({ accountSid, authToken, publicUrl: place === 'api' ? `${publicUrl}/b/scenes` : publicUrl, now: clock.now });
    const templates = surveyKinds.flatMap((kind) =>
      languageCodes().flatMap((locale) => {
        const p = promptsFor(locale);
        // One template per purpose, kind and language carries the survey's context as a variable (a survey without one shows "-").
        const vars = { business: '{{1}}', context: '{{2}}' };
        return (['invitation', 'reminder'] as const).map((purpose) => ({ purpose, kind, locale, contentSid: fake.addTemplate(p[purpose](kind, vars)), variables: ['business', 'context'] }));
      }),
    );
    const from = 'whatsapp:+15005550006';
    const { server, businessId } = await placeBusiness(
      place,
      clock,
      { TWILIO_API_BASE_URL: fake.baseUrl, PUBLIC_URL: publicUrl, SWEEP_INTERVAL: '0' },
      {
        env: { TWILIO_ACCOUNT_SID: accountSid, TWILIO_AUTH_TOKEN: authToken, TWILIO_WHATSAPP_FROM: from, WHATSAPP_TEMPLATES: JSON.stringify(templates) },
        channels: { whatsapp: { accountSid, authToken, from, templates } },
      },
    );
    const { app } = server;
    let next = randomInt(9000);
    return {
      server,
      businessId,
      async newCustomer() {
        return `+92300555${String(1000 + (next++ % 9000))}`;
      },
      async deliver(address, { id, text, choice }) {
        const messageSid = `SM${createHash('sha256').update(`${address}:${id}`).digest('hex').slice(0, 32)}`;
        const offering = choice === undefined ? undefined : fake.to(address).findLast((m) => choicesOf(m).includes(choice));
        const res = offering
          ? await fake.receive(app, address, { ...(offering.kind === 'list-picker' ? { listId: offering.items.find((i) => valueOf(i.id) === choice)!.id } : { buttonPayload: offering.buttons.find((b) => valueOf(b.id) === choice)!.id }), title: choice! }, { messageSid })
          : await fake.receive(app, address, choice ?? text ?? '', { messageSid });
        if (res.statusCode !== 200) throw new Error(`whatsapp webhook answered ${res.statusCode}: ${res.body}`);
      },
      async sent(address): Promise<SentMessage[]> {
        await app.alerts.drain();
        return fake.to(address).map((m) => ({ text: m.body, ...(choicesOf(m).length ? { choices: choicesOf(m) } : {}) }));
      },
      async close() {
        await server.close();
        await fake.close();
      },
    };
  },
};
