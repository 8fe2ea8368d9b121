/** Calendar arithmetic in a business's time zone, without a date library. Pure. */

interface LocalParts {
  year: number;
  month: number;
  day: number;
  weekday: number; // 0 = Monday … 6 = Sunday
  minute: number; // minutes since local midnight
}

const weekdays = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const formatters = new Map<string, Intl.DateTimeFormat>();

export function localParts(date: Date, timeZone: string): LocalParts {
  let fmt = formatters.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      weekday: 'short',
      hour: 'numeric',
      minute: 'numeric',
    });
    formatters.set(timeZone, fmt);
  }
  const parts = Object.fromEntries(fmt.formatToParts(date).map((p) => [p.type, p.value]));
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    weekday: weekdays.indexOf(parts.weekday ?? 'Mon'),
    minute: Number(parts.hour) * 60 + Number(parts.minute),
  };
}

function isoDate(year: number, month: number, day: number): string {
  return new Date(Date.UTC(year, month - 1, day)).toISOString().slice(0, 10);
}

/** The Monday (YYYY-MM-DD, local calendar) of the week containing `date`. */
export function weekKey(date: Date, timeZone: string): string {
  const p = localParts(date, timeZone);
  return isoDate(p.year, p.month, p.day - p.weekday);
}

/** The week keys from `from`'s week to the week before `to` (exclusive), oldest first. */
export function weeksBetween(from: Date, to: Date, timeZone: string): string[] {
  return weekKeys(weekKey(from, timeZone), weekKey(new Date(to.getTime() - 1), timeZone));
}

/** The week keys from `fromWeek` to `toWeek`, both included, oldest first. */
export function weekKeys(fromWeek: string, toWeek: string): string[] {
  const weeks: string[] = [];
  for (let week = fromWeek; week <= toWeek; week = shiftWeek(week, 1)) weeks.push(week);
  return weeks;
}

/** The week key `weeks` weeks before (negative) or after a week key. */
export function shiftWeek(week: string, weeks: number): string {
  const d = new Date(`${week}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + weeks * 7);
  return d.toISOString().slice(0, 10);
}

export interface SendWindow {
  startMinute: number;
  endMinute: number;
}

/**
 * When a message may go out: `now` inside the window, else the next opening in the given zone.
 * DST is handled by re-reading the local clock at the guessed instant and correcting once.
 */
export function nextSendTime(now: Date, timeZone: string, window: SendWindow): Date {
  const local = localParts(now, timeZone);
  if (local.minute >= window.startMinute && local.minute < window.endMinute) return now;
  const minutesAhead =
    local.minute < window.startMinute ? window.startMinute - local.minute : 1440 - local.minute + window.startMinute;
  let guess = new Date(now.getTime() + minutesAhead * 60_000);
  guess.setUTCSeconds(0, 0);
  const drift = localParts(guess, timeZone).minute - window.startMinute;
  if (drift !== 0 && Math.abs(drift) <= 120) guess = new Date(guess.getTime() - drift * 60_000);
  return guess;
}
