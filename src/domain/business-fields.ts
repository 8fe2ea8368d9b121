import { z } from 'zod';

/**
 * Fields of a business's settings as the environment, the API and the CLI take them: one rule each,
 * below both the configuration and the businesses that read them.
 */

export const timeZone = z.string().refine(
  (tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'an IANA time zone such as America/New_York' },
);

export const sendWindow = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$/, 'a window such as 09:00-20:00')
  .transform((v) => {
    const [from, to] = v.split('-') as [string, string];
    const minutes = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3));
    return { startMinute: minutes(from), endMinute: minutes(to) };
  });

const weekdayNames = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export const digestSchedule = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(mon|tue|wed|thu|fri|sat|sun) ([01]\d|2[0-3]):[0-5]\d$/, 'a weekday and time such as mon 09:00')
  .transform((v) => {
    const [day, time] = v.split(' ') as [string, string];
    return { weekday: weekdayNames.indexOf(day as (typeof weekdayNames)[number]), minute: Number(time.slice(0, 2)) * 60 + Number(time.slice(3)) };
  });


const loopbackHosts = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * A website that may show the business's survey widget: an origin (scheme, host and port, no path),
 * https only; plain http only on this machine's own address (a shop trying it locally, the tests).
 */
export const websiteOrigin = z
  .string()
  .trim()
  .refine((v) => {
    try {
      const url = new URL(v);
      const bare = url.origin === v.replace(/\/$/, '') && url.pathname === '/' && !url.search && !url.hash;
      return bare && (url.protocol === 'https:' || (url.protocol === 'http:' && loopbackHosts.has(url.hostname)));
    } catch {
      return false;
    }
  }, 'an https origin such as https://shop.example (scheme and host, no path); http only for 127.0.0.1 or localhost')
  .transform((v) => new URL(v).origin);

/** The websites a business lists for its widget: at most 20, each once. */
export const websiteOrigins = z.array(websiteOrigin).max(20, 'at most 20 websites').transform((list) => [...new Set(list)]);
