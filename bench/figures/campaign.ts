/**
 * Figure 4: a campaign. Invitations started through the REST API (rows of up to 1,000 per request,
 * as staff upload them) go out through the outbox to the provider fakes at their configured rates;
 * in the middle the fakes answer 429 and 500 for a while, and the outbox retries. Measured at the
 * fakes: the achieved rate against the limit (and the busiest second), duplicates and losses.
 */
import { httpRequest, is2xx } from '../../test/faults/http.js';
import { busiestWindow as busiest } from '../../test/helpers/send-rate.js';
import { sleep } from '../lib/processes.js';
import { apiKey, startFakes, startProduct, withDbName } from '../lib/product.js';

export interface ChannelCampaign {
  channel: 'sms' | 'telegram';
  invitations: number;
  limitPerSecond: number;
  /** Send attempts (accepted or refused: each counts against the provider's limit) per second, first to last. */
  achievedPerSecond: number;
  /** Accepted sends per second, first to last. */
  acceptedPerSecond: number;
  /** Attempts in each whole second from the first (shows the pause and the retries). */
  perSecond: number[];
  /** Shortest gap between two attempts arriving, ms. */
  minGapMs: number;
  /** Most send attempts (accepted or refused) in any one-second window. */
  busiestSecond: number;
  refusedByFake: number;
  duplicates: number;
  lost: number;
  seconds: number;
}

export interface CampaignFigures {
  database: string;
  invitations: number;
  seconds: number;
  apiRowsAccepted: number;
  channels: ChannelCampaign[];
}

function summarize(channel: 'sms' | 'telegram', addresses: string[], accepted: Array<{ to: string; at: number }>, attempts: number[], limit: number): ChannelCampaign {
  const perAddress = new Map<string, number>();
  for (const a of accepted) perAddress.set(a.to, (perAddress.get(a.to) ?? 0) + 1);
  const times = accepted.map((a) => a.at).sort((a, b) => a - b);
  const span = (times.at(-1)! - times[0]!) / 1000;
  const tried = [...attempts].sort((a, b) => a - b);
  const triedSpan = (tried.at(-1)! - tried[0]!) / 1000;
  const perSecond: number[] = [];
  for (const t of tried) perSecond[Math.floor((t - tried[0]!) / 1000)] = (perSecond[Math.floor((t - tried[0]!) / 1000)] ?? 0) + 1;
  return {
    channel,
    invitations: addresses.length,
    limitPerSecond: limit,
    achievedPerSecond: triedSpan > 0 ? (tried.length - 1) / triedSpan : 0,
    acceptedPerSecond: span > 0 ? (times.length - 1) / span : 0,
    perSecond: Array.from(perSecond, (n) => n ?? 0),
    minGapMs: tried.slice(1).reduce((min, t, i) => Math.min(min, t - tried[i]!), Infinity),
    busiestSecond: busiest(attempts),
    refusedByFake: attempts.length - accepted.length,
    duplicates: [...perAddress.values()].filter((n) => n > 1).reduce((sum, n) => sum + n - 1, 0),
    lost: addresses.filter((a) => !perAddress.has(a)).length,
    seconds: span,
  };
}

export async function benchCampaign(
  database: { uri: string; engine: string },
  sizes: { sms: number; telegram: number; smsRate: number; failAt: number },
  log: (line: string) => void,
): Promise<CampaignFigures> {
  const fakes = await startFakes();
  const telegramRate = 30; // the Telegram pacer's bot-wide rate (src/channels/telegram/pacer.ts)
  const server = await startProduct(fakes, withDbName(database.uri, 'bench_campaign'), 'production', { SWEEP_INTERVAL: '1s', SMS_RATE_PER_SECOND: String(sizes.smsRate) });
  try {
    const sms = Array.from({ length: sizes.sms }, (_, i) => `+1416${String(3_000_000 + i).padStart(7, '0')}`);
    const telegram = Array.from({ length: sizes.telegram }, (_, i) => String(8_200_000_000 + i));
    const rows = (channel: string, addresses: string[]) => addresses.map((address, i) => ({ kind: (['nps', 'csat', 'ces'] as const)[i % 3], channel, address }));
    const chunks = (list: unknown[], size: number) => Array.from({ length: Math.ceil(list.length / size) }, (_, i) => list.slice(i * size, (i + 1) * size));
    // Four uploads at a time per channel, each of about 30 s of sends. The API answers an upload once
    // its rows are started and sends their invitations after it, eight at a time per channel, at the
    // channel's rate; the campaign ends when every customer has been reached.
    const perRequest = (rate: number) => Math.max(1, Math.min(1000, Math.floor((rate * 30) / 4)));
    const uploads = [chunks(rows('sms', sms), perRequest(sizes.smsRate)), chunks(rows('telegram', telegram), perRequest(telegramRate))];
    // The fakes refuse for a while once this share of the campaign has gone out.
    let injected = false;
    const injector = (async () => {
      while (!injected) {
        if (fakes.twilio.messages.length >= sizes.sms * sizes.failAt) {
          fakes.twilio.failNext('rate-limit', Math.ceil(sizes.smsRate / 2));
          fakes.twilio.failNext('server-error', Math.ceil(sizes.smsRate / 2));
          for (let i = 0; i < 15; i++) fakes.telegram.failNext('429', 'sendMessage');
          for (let i = 0; i < 15; i++) fakes.telegram.failNext('500', 'sendMessage');
          injected = true;
          log(`campaign: the fakes refuse for a while (${fakes.twilio.messages.length} SMS sent)`);
        }
        await sleep(10);
      }
    })();

    const started = Date.now();
    const expectedSeconds = Math.max(sizes.sms / sizes.smsRate, sizes.telegram / telegramRate);
    const upload = async (chunk: unknown[]) => {
      const res = await httpRequest('POST', `${server.url}/api/v1/surveys`, { headers: { 'content-type': 'application/json', 'x-api-key': apiKey }, body: JSON.stringify(chunk), timeoutMs: (expectedSeconds * 3 + 120) * 1000 });
      if (!is2xx(res)) throw new Error(`campaign upload: ${JSON.stringify(res).slice(0, 300)}`);
      return (JSON.parse(res.body) as { accepted: number }).accepted;
    };
    const pool = async (list: unknown[][]) => {
      let next = 0;
      let accepted = 0;
      await Promise.all(Array.from({ length: 4 }, async () => {
        while (next < list.length) {
          const n = await upload(list[next++]!);
          accepted += n;
        }
      }));
      return accepted;
    };
    const answers = await Promise.all(uploads.map(pool));
    // Retries wait in the outbox for the sweeper: until every customer has an invitation, bounded.
    const deadline = Date.now() + 90_000;
    const reached = () => new Set(fakes.twilio.messages.map((m) => m.to)).size + new Set(fakes.telegram.sent().map((m) => String(m.chat.id))).size;
    while (reached() < sms.length + telegram.length && Date.now() < deadline) await sleep(200);
    await sleep(1_500); // anything sent twice would show by now
    injected = true;
    await injector;
    const seconds = (Date.now() - started) / 1000;

    const smsAccepted = fakes.twilio.messages.filter((m) => m.via === 'api').map((m) => ({ to: m.to, at: m.dateCreated.getTime() }));
    const sends = fakes.telegram.calls.filter((c) => c.method === 'sendMessage');
    const telegramAccepted = sends.filter((c) => c.result !== undefined).map((c) => ({ to: String(c.payload.chat_id), at: c.at }));
    const out: CampaignFigures = {
      database: database.engine,
      invitations: sms.length + telegram.length,
      seconds,
      apiRowsAccepted: answers.reduce((a, b) => a + b, 0),
      channels: [
        summarize('sms', sms, smsAccepted, fakes.twilio.attemptTimes, sizes.smsRate),
        summarize('telegram', telegram, telegramAccepted, sends.map((c) => c.at), telegramRate),
      ],
    };
    for (const c of out.channels) {
      log(`campaign ${c.channel}: ${c.achievedPerSecond.toFixed(1)}/s of ${c.limitPerSecond}/s, busiest second ${c.busiestSecond}, refused ${c.refusedByFake}, duplicates ${c.duplicates}, lost ${c.lost}`);
    }
    return out;
  } finally {
    await server.stop();
    await fakes.close();
  }
}
