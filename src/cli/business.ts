import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { businessInput, toStored } from '../businesses/settings.js';
import { basePathOf } from '../businesses/settings.js';
import { describeIssues } from '../errors.js';
import type { BusinessSettings } from '../store/index.js';
import { connectCli, runCommand } from './connect.js';

const usage = `usage: npm run business -- <command>
  list                                   the businesses, without their secrets
  show <id>                              one business's settings (secrets are never shown)
  add --id <id> --name <name> [options]  create a business
  set --id <id> [options]                change a business (only the options given)
  remove <id>                            delete a business's settings (its surveys stay)
options: --time-zone Europe/Madrid --locale en|es|ur --country ES --send-window 09:00-20:00
         --throttle-days 30 --digest "mon 09:00"
         --channels <file.json>  its own channel identities, e.g.
           {"telegram":{"token":"123:ABC…","webhookSecret":"…"},"sms":{"accountSid":"AC…","authToken":"…","from":"+34…"}}
           (kept in a file so tokens stay out of the shell history; stored encrypted with SECRETS_KEY)
A new business is served from the bot's next start: webhooks and web chat under /b/<id>/.`;

const options = {
  id: { type: 'string' },
  name: { type: 'string' },
  'time-zone': { type: 'string' },
  locale: { type: 'string' },
  country: { type: 'string' },
  'send-window': { type: 'string' },
  'throttle-days': { type: 'string' },
  digest: { type: 'string' },
  channels: { type: 'string' },
} as const;

/** What a business looks like on screen: settings and which channels it has, never a secret. */
function describe(b: BusinessSettings): string {
  const window = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  return [
    `${b.id}: ${b.name}`,
    `  time zone ${b.timeZone}, locale ${b.locale}, country ${b.country}, send window ${window(b.sendWindow.startMinute)}-${window(b.sendWindow.endMinute)}, throttle ${b.throttleDays} days`,
    `  channels: ${(b.channelNames ?? []).join(', ') || 'web chat only'}, at ${basePathOf(b.id)}/`,
  ].join('\n');
}

/** Run one command; returns the exit code (0 done, 1 refused, 2 bad usage). */
export async function runBusinessCli(argv: string[], out: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Promise<number> {
  const [command, ...rest] = argv;
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options, allowPositionals: true });
  } catch (err) {
    out(`${(err as Error).message}\n${usage}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (!command || !['list', 'show', 'add', 'set', 'remove'].includes(command)) {
    out(usage);
    return 2;
  }
  const ctx = await connectCli();
  try {
    const { store, secrets } = ctx;
    if (command === 'list') {
      for (const b of await store.businesses.list()) out(describe(b));
      return 0;
    }
    const id = values.id ?? positionals[0];
    if (!id) {
      out(`${command}: which business? (--id <id>)`);
      return 2;
    }
    const existing = await store.businesses.get(id);
    if (command === 'show' || command === 'remove') {
      if (!existing) return (out(`no business ${id}`), 1);
      if (command === 'show') out(describe(existing));
      else await store.businesses.remove(id).then(() => out(`removed ${id}; its surveys and customers stay in the database`));
      return 0;
    }
    if (command === 'add' && existing) return (out(`business ${id} exists already: use set`), 1);
    if (command === 'set' && !existing) return (out(`no business ${id}: use add`), 1);
    const channels = values.channels ? JSON.parse(await readFile(values.channels, 'utf8')) : undefined;
    const given = {
      id,
      name: values.name ?? existing?.name,
      timeZone: values['time-zone'] ?? existing?.timeZone,
      locale: values.locale ?? existing?.locale,
      country: values.country ?? existing?.country,
      sendWindow: values['send-window'],
      throttleDays: values['throttle-days'] !== undefined ? Number(values['throttle-days']) : existing?.throttleDays,
      digestSchedule: values.digest,
      channels,
    };
    const input = businessInput.safeParse(Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)));
    if (!input.success) {
      for (const line of describeIssues(input.error, 'business')) out(line);
      return 1;
    }
    const { settings, sealed } = toStored(input.data, secrets);
    const kept = {
      ...(values['send-window'] === undefined && existing ? { sendWindow: existing.sendWindow } : {}),
      ...(values.digest === undefined && existing?.digestSchedule ? { digestSchedule: existing.digestSchedule } : {}),
      ...(channels === undefined && existing ? { channelNames: existing.channelNames } : {}),
    };
    await store.businesses.save({ ...settings, ...kept }, channels === undefined && existing ? undefined : sealed);
    out(describe({ ...settings, ...kept }));
    out(command === 'add' ? 'Added. Restart the bot to serve it.' : 'Changed. Settings apply within a sweep; new channel identities after a restart.');
    return 0;
  } finally {
    await ctx.close();
  }
}

if (process.argv[1]?.endsWith('business.ts')) runCommand(() => runBusinessCli(process.argv.slice(2)));
