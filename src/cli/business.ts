import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { BusinessOperations } from '../businesses/operations.js';
import { businessInput } from '../businesses/settings.js';
import { basePathOf } from '../businesses/settings.js';
import { describeIssues } from '../errors.js';
import type { BusinessSettings } from '../store/index.js';
import { connectCli, runCommand } from './connect.js';

const usage = `usage: npm run business -- <command>
  list                                   the businesses, without their secrets
  show <id>                              one business's settings (secrets are never shown)
  add --id <id> --name <name> [options]  create a business (prints its owner's claim code)
  set --id <id> [options]                change a business (only the options given)
  disable <id> / enable <id>             stop serving a business (404 on its routes), or serve it again
  remove <id>                            delete a disabled business's settings, identities and API keys (its surveys stay)
options: --time-zone Europe/Madrid --locale <language code: en, es, pt…> --country ES --send-window 09:00-20:00
         --throttle-days 30 --digest "mon 09:00"
         --channels <file.json>  its own channel identities, e.g.
           {"telegram":{"token":"123:ABC…","webhookSecret":"…"},"sms":{"accountSid":"AC…","authToken":"…","from":"+34…"}}
           (kept in a file so tokens stay out of the shell history; stored encrypted with SECRETS_KEY)
Running servers serve each change within BUSINESS_REFRESH: webhooks and web chat under /b/<id>/.`;

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
    `${b.id}: ${b.name}${b.disabled ? " (disabled: not served)" : ""}`,
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
  if (!command || !['list', 'show', 'add', 'set', 'disable', 'enable', 'remove'].includes(command)) {
    out(usage);
    return 2;
  }
  const ctx = await connectCli();
  try {
    const { store, secrets } = ctx;
    // The same code as the operator API; running servers see the change within BUSINESS_REFRESH.
    const operations = new BusinessOperations(store, secrets, () => new Date());
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
    if (command === 'show' || command === 'remove' || command === 'disable' || command === 'enable') {
      if (!existing) return (out(`no business ${id}`), 1);
      if (command === 'show') out(describe(existing));
      else if (command === 'remove') {
        if (!existing.disabled) return (out(`business ${id} is served: disable it first`), 1);
        await operations.remove(id);
        out(`removed ${id}; its surveys and customers stay in the database`);
      } else out(describe(await operations.setDisabled(id, command === 'disable')));
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
    if (command === 'add') {
      const { business, claimCode } = await operations.create(input.data);
      out(describe(business));
      out(`Added. The owner sends "/claim ${claimCode}" to the bot to become the owner.`);
      return 0;
    }
    const { id: _id, ...all } = input.data;
    // Only what was given: a window, digest or identities not given again stay as they are.
    const patch = {
      ...all,
      ...(values['send-window'] === undefined ? { sendWindow: undefined } : {}),
      ...(values.digest === undefined ? { digestSchedule: undefined } : {}),
      ...(channels === undefined ? { channels: undefined } : {}),
    };
    const changed = await operations.change(id, Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)));
    out(describe(changed));
    out('Changed. Running servers apply it within BUSINESS_REFRESH.');
    return 0;
  } finally {
    await ctx.close();
  }
}

if (process.argv[1]?.endsWith('business.ts')) runCommand(() => runBusinessCli(process.argv.slice(2)));
