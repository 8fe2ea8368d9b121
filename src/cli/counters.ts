import { parseArgs } from 'node:util';
import { environmentBusinessId } from '../businesses/environment-business.js';
import { weekKey } from '../domain/calendar.js';
import { rebuildWeeks } from '../surveys/week-counts.js';
import { connectCli, runCommand, UsageError } from './connect.js';

const usage = `usage: npm run counters -- rebuild --business <id> --from <YYYY-MM-DD> [--to <YYYY-MM-DD>]
  recounts the counters of every week touching from..to (default: from's week) from the stored surveys`;


/** The Monday (week key) of a calendar date. */
function weekOf(date: string | undefined, name: string): string {
  if (!date || !/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T12:00:00Z`))) throw new UsageError(`${name}: a date as YYYY-MM-DD is required`);
  return weekKey(new Date(`${date}T12:00:00Z`), 'UTC');
}

/** Rebuilds counters from the surveys on the database the server uses (MONGODB_URI or the embedded one). */
async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { business: { type: 'string', default: environmentBusinessId }, from: { type: 'string' }, to: { type: 'string' } } });
  if (positionals[0] !== 'rebuild') throw new UsageError(`unknown command ${positionals[0] ?? '(none)'}`);
  const from = weekOf(values.from, '--from');
  const to = values.to ? weekOf(values.to, '--to') : from;
  if (to < from) throw new UsageError('--to is before --from');
  const { store, close } = await connectCli();
  try {
    const businessId = values.business!;
    if (!(await store.businesses.get(businessId))) throw new UsageError(`no business ${businessId}`);
    for (const { week, counters } of await rebuildWeeks(store, businessId, from, to)) process.stdout.write(`${week}\t${counters} counters\n`);
  } finally {
    await close();
  }
}

runCommand(() => main(process.argv.slice(2)), usage);
