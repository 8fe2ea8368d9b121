/**
 * Three server processes on one database run one campaign, each started through its own API: the
 * providers' limit per sender holds for the three together (their send slots are shared through the
 * database), in any one-second window as the fakes see the sends arrive, and every customer is
 * reached once. Without the shared slots each process would send at the whole limit. The rate the
 * three reach together is printed here and measured by the benchmark (a loaded machine slows it).
 * The slots never exceed the limit (test/channels/shared-send-queue.test.ts checks that exactly, on a
 * virtual clock); a send leaves its process a little after its slot begins, by however busy the
 * machine is, so arrivals at the fake may bunch by a send or two: at most a tenth of the limit is
 * allowed for that here (the whole suite runs beside this test), far below the overshoot of
 * processes pacing alone.
 *   three instances, SMS at 20/s: 240 sent, 7.6/s (38 % of the limit), busiest second 20, lost 0, duplicated 0
 *   (load average 22 on two cores; each process pacing alone, same load: busiest second 33)
 *   after late sends keep their slots (lanes), load average about 15:
 *   SMS 240 sent, 13.5/s (68 %), busiest second 20; Telegram 240 sent, 14.7/s (49 %), busiest second 31 (arrivals)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/store/embedded-database.js';
import { figure } from '../attacks/figures.js';
import { databaseUri, uniqueDbName } from '../helpers/database.js';
import { busiestWindow, lostAndDuplicated, ratePerSecond } from '../helpers/send-rate.js';
import { apiKey, serverEnv, startFakes, withDbName, type Fakes } from './crash-rig.js';
import { httpRequest, is2xx } from './http.js';
import { startServerProcess, type ServerProcess } from './server-process.js';

const smsRate = 20;
/** The Telegram bot's limit (src/channels/telegram/pacer.ts). */
const telegramRate = 30;
let fakes: Fakes;
const servers: ServerProcess[] = [];
let dbName = '';

beforeAll(async () => {
  fakes = await startFakes();
  dbName = uniqueDbName('shared_pacing');
  const env = { ...serverEnv(fakes, withDbName(databaseUri(), dbName)), SMS_RATE_PER_SECOND: String(smsRate), SWEEP_INTERVAL: '0' };
  // One after another: three starting at once on a busy machine can outlast the start-up wait.
  for (let i = 0; i < 3; i++) servers.push(await startServerProcess(env, await freePort()));
}, 180_000);
afterAll(async () => {
  for (const server of servers) await server.stop();
  await fakes?.close();
});

/** Each instance is handed a third of the rows, 40 a request, all at once. */
async function campaign(channel: 'sms' | 'telegram', addresses: string[]): Promise<void> {
  const uploads = servers.flatMap((server, s) => {
    const mine = addresses.filter((_, i) => i % servers.length === s).map((address, i) => ({ kind: (['nps', 'csat', 'ces'] as const)[i % 3], channel, address }));
    return Array.from({ length: Math.ceil(mine.length / 40) }, (_, i) =>
      httpRequest('POST', `${server.url}/api/v1/surveys`, { headers: { 'content-type': 'application/json', 'x-api-key': apiKey }, body: JSON.stringify(mine.slice(i * 40, (i + 1) * 40)), timeoutMs: 60_000 }),
    );
  });
  for (const res of await Promise.all(uploads)) expect(is2xx(res), JSON.stringify(res).slice(0, 300)).toBe(true);
}

async function until(done: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 1_500)); // a send made twice would show by now
}

/** Sends a loaded machine may let arrive in the same second beyond the slots' limit: a tenth of it. */
const arrivalJitter = (limit: number) => Math.ceil(limit / 10);

describe('three server processes share a sender’s limit', () => {
  it('SMS: the limit in any second (a tenth more for arrival jitter), each customer once', { timeout: 120_000 }, async () => {
    const phones = Array.from({ length: 12 * smsRate }, (_, i) => `+1416${String(5_100_000 + i).padStart(7, '0')}`);
    await campaign('sms', phones);
    await until(() => new Set(fakes.twilio.messages.map((m) => m.to)).size >= phones.length, 60_000);
    const times = fakes.twilio.attemptTimes;
    const rate = ratePerSecond(times);
    const busiest = busiestWindow(times);
    const { lost, duplicated } = lostAndDuplicated(phones, fakes.twilio.messages.map((m) => m.to));
    figure(`three instances, SMS at ${smsRate}/s: ${times.length} sent, ${rate.toFixed(1)}/s (${Math.round((rate / smsRate) * 100)} % of the limit), busiest second ${busiest}, lost ${lost}, duplicated ${duplicated}`);
    expect(busiest).toBeLessThanOrEqual(smsRate + arrivalJitter(smsRate));
    expect({ lost, duplicated }).toEqual({ lost: 0, duplicated: 0 });
  });

  it('Telegram: the bot’s limit in any second (a tenth more for arrival jitter), each chat once', { timeout: 120_000 }, async () => {
    const chats = Array.from({ length: 8 * telegramRate }, (_, i) => String(8_300_000_000 + i));
    await campaign('telegram', chats);
    const sends = () => fakes.telegram.calls.filter((c) => c.method === 'sendMessage');
    await until(() => new Set(sends().map((c) => String(c.payload.chat_id))).size >= chats.length, 60_000);
    const times = sends().map((c) => c.at);
    const rate = ratePerSecond(times);
    const busiest = busiestWindow(times);
    const { lost, duplicated } = lostAndDuplicated(chats, sends().filter((c) => c.result !== undefined).map((c) => String(c.payload.chat_id)));
    figure(`three instances, Telegram at ${telegramRate}/s: ${times.length} sent, ${rate.toFixed(1)}/s (${Math.round((rate / telegramRate) * 100)} % of the limit), busiest second ${busiest}, lost ${lost}, duplicated ${duplicated}`);
    expect(busiest).toBeLessThanOrEqual(telegramRate + arrivalJitter(telegramRate));
    expect({ lost, duplicated }).toEqual({ lost: 0, duplicated: 0 });
  });
});
