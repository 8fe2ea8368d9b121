/**
 * Figure 4b: send pacing shared across instances. One SMS campaign from one server process, then
 * the same campaign from three processes on one database (each started through its own API with a
 * third of the rows), against the Twilio fake on loopback, in the same run. Measured at the fake:
 * the rate as a share of the sender's limit (first attempt to last), the busiest one-second window,
 * customers never reached and sends beyond the first. Each runs twice: with the fake answering at
 * once, and answering each send 200 ms after it arrived, as a distant provider does. No refusals
 * are injected (figure 4 has them): this is the pacing alone. The Twilio fake runs in a process of
 * its own, so the bench's own work (the uploads, starting servers) does not stamp the sends'
 * arrivals late.
 */
import { httpRequest, is2xx } from '../../test/faults/http.js';
import { busiestWindow, lostAndDuplicated, ratePerSecond, windowsAbove } from '../../test/helpers/send-rate.js';
import { providerJitterMs } from '../../src/channels/send-queue.js';
import { sleep } from '../lib/processes.js';
import { apiKey, startFakes, startProduct, startTwilioApart, withDbName } from '../lib/product.js';
import { captureRequests } from '../lib/wire-capture.js';

export interface SharedCampaignRun {
  instances: number;
  /** How long the fake took to answer each send. */
  providerMs: number;
  invitations: number;
  limitPerSecond: number;
  perSecond: number;
  /** perSecond / limitPerSecond. */
  shareOfLimit: number;
  busiestSecond: number;
  /** From the start to the last upload answered (the uploads' writes compete with the sends for the two cores). */
  uploadSeconds: number;
  /** Sends per second from the last upload answered to the last send: the pacing with no upload beside it. */
  perSecondAfterUploads: number;
  lost: number;
  duplicated: number;
  seconds: number;
  /** The fake's own event loop late by more than the pacing's allowance (`providerJitterMs`): how often, and the longest. */
  fakeStalls: { overAllowance: number; longestMs: number };
  /** The one-second windows above the limit (by their first arrival) and how many of them hold such a stall of the fake. */
  secondsAbove: { count: number; withFakeStall: number; longestFakeStallMs: number };
  /**
   * Where the sender's slots went, first arrival to last: the slots of that span, those sent in, those
   * the instances held and gave up (their `/metrics`, `survey_bot_send_slots_given_up_total`, by
   * reason), and the rest (nobody held them, or an instance still held them unused at the end).
   */
  slots: { inSpan: number; sent: number; givenUp: Record<string, number>; neverHeld: number };
  /**
   * The same sends as the kernel stamped them on loopback (`bench/lib/wire-capture.ts`): when each
   * request's first packet left for the fake, whatever either event loop was doing. A string when
   * no capture could be made here.
   */
  wire?: { sends: number; busiestSecond: number; secondsAbove: number; dropped: number } | string;
}

/** An instance's send slots given up, by reason, from its `/metrics`. */
async function slotsGivenUp(url: string): Promise<Record<string, number>> {
  const res = await httpRequest('GET', `${url}/metrics`, { timeoutMs: 10_000 });
  if (!is2xx(res)) throw new Error(`shared campaign: /metrics answered ${JSON.stringify(res).slice(0, 200)}`);
  const out: Record<string, number> = {};
  for (const m of res.body.matchAll(/^survey_bot_send_slots_given_up_total\{[^}]*reason="(\w+)"[^}]*\} (\S+)$/gm)) out[m[1]!] = (out[m[1]!] ?? 0) + Number(m[2]);
  return out;
}

export interface SharedCampaignFigures {
  database: string;
  runs: SharedCampaignRun[];
}

async function campaignRun(database: { uri: string }, instances: number, providerMs: number, sms: number, rate: number, log: (line: string) => void): Promise<SharedCampaignRun> {
  const fakes = await startFakes();
  const twilio = await startTwilioApart(providerMs);
  const origins = { twilio, telegram: fakes.telegram };
  const capture = await captureRequests(Number(new URL(twilio.baseUrl).port), 'POST /20');
  const uri = withDbName(database.uri, `bench_shared_campaign_${instances}${providerMs ? `_${providerMs}ms` : ''}`);
  const servers = [];
  try {
    for (let i = 0; i < instances; i++) servers.push(await startProduct(origins, uri, 'production', { SMS_RATE_PER_SECOND: String(rate), SWEEP_INTERVAL: '1s' }));
    const phones = Array.from({ length: sms }, (_, i) => `+1416${String(4_000_000 + instances * 100_000 + (providerMs ? 500_000 : 0) + i).padStart(7, '0')}`);
    const started = Date.now();
    // Each instance gets its share in uploads of about 2 s of sends, two at a time.
    const perRequest = Math.max(1, Math.min(1000, Math.floor((rate * 2) / instances)));
    await Promise.all(servers.map(async (server, s) => {
      const mine = phones.filter((_, i) => i % instances === s).map((address, i) => ({ kind: (['nps', 'csat', 'ces'] as const)[i % 3], channel: 'sms', address }));
      const chunks = Array.from({ length: Math.ceil(mine.length / perRequest) }, (_, i) => mine.slice(i * perRequest, (i + 1) * perRequest));
      let next = 0;
      await Promise.all([0, 1].map(async () => {
        while (next < chunks.length) {
          const res = await httpRequest('POST', `${server.url}/api/v1/surveys`, { headers: { 'content-type': 'application/json', 'x-api-key': apiKey }, body: JSON.stringify(chunks[next++]), timeoutMs: 600_000 });
          if (!is2xx(res)) throw new Error(`shared campaign upload: ${JSON.stringify(res).slice(0, 300)}`);
        }
      }));
    }));
    const uploaded = Date.now();
    const deadline = Date.now() + Math.max(60_000, (sms / rate) * 2_000);
    while ((await twilio.reached()) < phones.length && Date.now() < deadline) await sleep(200);
    await sleep(1_500); // anything sent twice would show by now
    const { times, to, stalls } = await twilio.count();
    const onWire = 'unavailable' in capture ? capture.unavailable : await capture.stop();
    const wire = typeof onWire === 'string' ? onWire : { sends: onWire.times.length, busiestSecond: busiestWindow(onWire.times), secondsAbove: windowsAbove(onWire.times, rate).length, dropped: onWire.dropped };
    const perSecond = ratePerSecond(times);
    const { lost, duplicated } = lostAndDuplicated(phones, to);
    const afterUploads = ratePerSecond(times.filter((t) => t >= uploaded));
    const first = Math.min(...times);
    const last = Math.max(...times);
    const campaign = stalls.filter((s) => s.at >= first && s.at <= last + 1000);
    const late = campaign.filter((s) => s.ms > providerJitterMs);
    const above = windowsAbove(times, rate);
    // A stall stamps the sends that came in during it late, so it shows in the windows that start at its end or hold it.
    const stallsAbove = above.map((start) => campaign.filter((s) => s.at >= start - 1 && s.at <= start + 1000));
    const withFakeStall = stallsAbove.filter((inWindow) => inWindow.some((s) => s.ms > providerJitterMs)).length;
    // Any stall of the fake (over 10 ms) in a window above the limit: the longest.
    const longestFakeStallMs = Math.max(0, ...stallsAbove.flat().map((s) => s.ms));
    const givenUp: Record<string, number> = {};
    for (const server of servers) for (const [reason, n] of Object.entries(await slotsGivenUp(server.url))) givenUp[reason] = (givenUp[reason] ?? 0) + n;
    const inSpan = Math.round((last - first) / ((1000 + providerJitterMs) / rate)) + 1;
    const lostSlots = Object.values(givenUp).reduce((a, b) => a + b, 0);
    const run = {
      instances, providerMs, invitations: sms, limitPerSecond: rate, perSecond, shareOfLimit: perSecond / rate, busiestSecond: busiestWindow(times), uploadSeconds: (uploaded - started) / 1000, perSecondAfterUploads: afterUploads, lost, duplicated, seconds: (Date.now() - started) / 1000,
      fakeStalls: { overAllowance: late.length, longestMs: Math.max(0, ...campaign.map((s) => s.ms)) },
      secondsAbove: { count: above.length, withFakeStall, longestFakeStallMs },
      slots: { inSpan, sent: times.length, givenUp, neverHeld: inSpan - times.length - lostSlots },
      wire,
    };
    log(
      `shared campaign, ${instances} instance(s), provider answering after ${providerMs} ms: ${perSecond.toFixed(1)}/s of ${rate}/s (${(run.shareOfLimit * 100).toFixed(1)} %), busiest second ${run.busiestSecond}, lost ${lost}, duplicated ${duplicated}; ` +
        `uploads answered after ${run.uploadSeconds.toFixed(1)} s, ${afterUploads.toFixed(1)}/s from then on; ` +
        `the fake's own loop late by over ${providerJitterMs} ms ${late.length} times (longest ${run.fakeStalls.longestMs} ms), windows above the limit ${above.length} (${withFakeStall} holding such a stall; the longest stall of the fake in them ${longestFakeStallMs} ms); ` +
        `slots ${inSpan}: sent in ${times.length}, given up ${JSON.stringify(givenUp)}, not held or left held ${run.slots.neverHeld}; ` +
        (typeof wire === 'string' ? `no kernel stamps (${wire})` : `kernel stamps: ${wire.sends} sends, busiest second ${wire.busiestSecond}, windows above the limit ${wire.secondsAbove}, dropped ${wire.dropped}`),
    );
    return run;
  } finally {
    // Already stopped when the campaign was counted; here for a campaign that failed before.
    if (!('unavailable' in capture)) await capture.stop();
    for (const server of servers) await server.stop();
    await Promise.all([fakes.close(), twilio.close()]);
  }
}

export async function benchSharedCampaign(database: { uri: string; engine: string }, sizes: { sms: number; smsRate: number }, log: (line: string) => void): Promise<SharedCampaignFigures> {
  const runs = [];
  for (const [instances, providerMs] of [[1, 0], [3, 0], [1, 200], [3, 200]] as const) runs.push(await campaignRun(database, instances, providerMs, sizes.sms, sizes.smsRate, log));
  return { database: database.engine, runs };
}
