import type { FastifyInstance } from 'fastify';
import type { TestClock } from '../helpers/clock.js';
import { say, visitor } from '../staff/web-chat.js';

type Answer = { kind: 'nps' | 'csat' | 'ces'; score?: string; comment?: string; tags?: string[]; name?: string };

/** Start a survey per answer through the real service and answer it through the web chat. */
export async function answer(app: FastifyInstance, answers: Answer[]): Promise<string[]> {
  const ids: string[] = [];
  for (const a of answers) {
    const address = visitor();
    const r = await (await app.businesses.get('default'))!.surveys.start({ kind: a.kind, channel: 'web', address, tags: a.tags, name: a.name });
    if (r.status !== 'sent') throw new Error(`survey not sent: ${r.status}`);
    ids.push(r.surveyId);
    if (a.score !== undefined) await say(app, address, a.score);
    if (a.comment !== undefined) await say(app, address, a.comment);
  }
  return ids;
}

/**
 * Two weeks with known answers (UTC business, Monday weeks).
 * Week of 2026-03-02: NPS 10, 9, 3 and one unanswered; CSAT 5, 4.
 * Week of 2026-03-09: NPS 10, 2, 0 (no comment), 8 and one unanswered; CSAT 1, 2.
 * Sunday 2026-03-15 19:00: NPS 7 still waiting for its comment at the digest (started, not completed).
 * Tag vip: 10 and 9 the first week, 10 and 2 the second.
 */
export async function seedTwoWeeks(app: FastifyInstance, clock: TestClock): Promise<{ rudeStaff: string; zero: string; broken: string; csat2: string }> {
  clock.reset(); // Tue 2026-03-03 15:00
  await answer(app, [
    { kind: 'nps', score: '10', comment: 'love it', tags: ['vip'] },
    { kind: 'nps', score: '9', comment: 'SKIP', tags: ['vip'] },
    { kind: 'nps', score: '3', comment: 'too slow' },
    { kind: 'nps' },
    { kind: 'csat', score: '5', comment: 'great' },
    { kind: 'csat', score: '4', comment: 'SKIP' },
  ]);
  clock.advance(7 * 86_400_000); // Tue 2026-03-10 15:00
  const [, rudeStaff, zero, , , broken, csat2] = await answer(app, [
    { kind: 'nps', score: '10', comment: 'perfect', tags: ['vip'], name: 'Ana' },
    { kind: 'nps', score: '2', comment: 'rude staff', tags: ['vip'], name: 'Bo' },
    { kind: 'nps', score: '0' },
    { kind: 'nps', score: '8', comment: 'ok' },
    { kind: 'nps' },
    { kind: 'csat', score: '1', comment: 'broken item', name: 'Cy' },
    { kind: 'csat', score: '2', comment: 'SKIP' },
  ]);
  clock.advance(5 * 86_400_000 + 4 * 3_600_000); // Sun 2026-03-15 19:00
  await answer(app, [{ kind: 'nps', score: '7' }]);
  return { rudeStaff: rudeStaff ?? '', zero: zero ?? '', broken: broken ?? '', csat2: csat2 ?? '' };
}
