/** Requests that must be refused, and the check that a refusal left everything as it was. */
import type { LightMyRequestResponse } from 'fastify';
import { documentCounts, surveyRevisions, type Rig } from './rig.js';

export interface Attempt {
  name: string;
  send: () => Promise<LightMyRequestResponse>;
  /** What else the answer must show to count as refused (e.g. a reason in the body). */
  check?: (res: LightMyRequestResponse) => boolean;
}

/** Every collection's count, every survey's revision and every fake's sends: equal before and after means untouched. */
export async function snapshot(rig: Rig): Promise<string> {
  return JSON.stringify({
    counts: await documentCounts(rig.app),
    revisions: await surveyRevisions(rig.app),
    sms: rig.twilio.messages.length,
    telegram: rig.telegram.calls.length,
    teams: rig.connector.activities.length,
  });
}

/** Runs each attempt in turn; it counts as refused when its status is one of `statuses`, its check holds and nothing moved. */
export async function attack(rig: Rig, attempts: readonly Attempt[], statuses: readonly number[]): Promise<{ tried: number; refused: number; examples: string[] }> {
  let refused = 0;
  const examples: string[] = [];
  for (const attempt of attempts) {
    const before = await snapshot(rig);
    const res = await attempt.send();
    const untouched = before === (await snapshot(rig));
    const checked = attempt.check ? attempt.check(res) : true;
    if (statuses.includes(res.statusCode) && untouched && checked) refused++;
    else examples.push(`${attempt.name}: ${res.statusCode} ${res.body.slice(0, 120)}${untouched ? '' : ' (something was written or sent)'}`);
  }
  return { tried: attempts.length, refused, examples };
}
