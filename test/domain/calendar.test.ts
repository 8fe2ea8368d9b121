import { describe, expect, it } from 'vitest';
import { nextSendTime, shiftWeek, weekKey } from '../../src/domain/calendar.js';

const window = { startMinute: 9 * 60, endMinute: 20 * 60 };

describe('weekKey', () => {
  it.each([
    ['2026-03-09T00:00:00Z', 'UTC', '2026-03-09'], // a Monday
    ['2026-03-15T23:59:00Z', 'UTC', '2026-03-09'], // the Sunday after
    ['2026-03-16T03:00:00Z', 'America/New_York', '2026-03-09'], // still Sunday evening in New York
    ['2026-03-15T20:00:00Z', 'Asia/Karachi', '2026-03-16'], // already Monday 01:00 in Karachi
    ['2027-01-01T12:00:00Z', 'UTC', '2026-12-28'], // across a year boundary
  ])('%s in %s is in the week of %s', (at, tz, week) => {
    expect(weekKey(new Date(at), tz)).toBe(week);
  });

  it('shifts by whole weeks', () => {
    expect(shiftWeek('2026-03-09', -1)).toBe('2026-03-02');
    expect(shiftWeek('2026-12-28', 1)).toBe('2027-01-04');
  });
});

describe('nextSendTime', () => {
  it('sends now inside the window', () => {
    const now = new Date('2026-03-10T15:00:00Z');
    expect(nextSendTime(now, 'UTC', window)).toBe(now);
  });

  it('waits for 09:00 the same day before the window', () => {
    expect(nextSendTime(new Date('2026-03-10T06:30:00Z'), 'UTC', window).toISOString()).toBe('2026-03-10T09:00:00.000Z');
  });

  it('waits for 09:00 the next day after the window', () => {
    expect(nextSendTime(new Date('2026-03-10T20:00:00Z'), 'UTC', window).toISOString()).toBe('2026-03-11T09:00:00.000Z');
  });

  it('uses the local clock of the zone', () => {
    // 23:00 UTC is 18:00 in New York (EST, UTC-5): inside the window there.
    const now = new Date('2026-03-02T23:00:00Z');
    expect(nextSendTime(now, 'America/New_York', window)).toBe(now);
    // 03:00 UTC is 22:00 in New York: next opening is 09:00 EST = 14:00 UTC.
    expect(nextSendTime(new Date('2026-03-03T03:00:00Z'), 'America/New_York', window).toISOString()).toBe('2026-03-03T14:00:00.000Z');
  });

  it('lands on 09:00 local across a daylight-saving change', () => {
    // Night of 7-8 March 2026: US clocks go forward. 22:00 EST on the 7th → 09:00 EDT on the 8th = 13:00 UTC.
    expect(nextSendTime(new Date('2026-03-08T03:00:00Z'), 'America/New_York', window).toISOString()).toBe('2026-03-08T13:00:00.000Z');
  });
});
