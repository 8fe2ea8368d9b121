import { parseArgs } from 'node:util';
import { channelNames, type ChannelName } from '../domain/channels.js';
import { AppError } from '../errors.js';
import { staffOverview } from '../staff/commands.js';
import { StaffService } from '../staff/staff-service.js';
import { normalizeAddress } from '../surveys/start-survey.js';
import { connectCli, runCommand } from './connect.js';

const usage = `usage: npm run staff -- list --business <id>
       npm run staff -- add --business <id> --who <channel>:<address> [--role owner|staff]
       npm run staff -- remove --business <id> --who <channel>:<address>
channels: ${channelNames.join(', ')}. The same service as /staff in chat and /api/v1/staff.`;

/** Lists, adds and removes a business's owners and staff; returns the exit code (0 done, 1 refused, 2 bad usage). */
export async function runStaffCli(argv: string[], out: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { business: { type: 'string' }, who: { type: 'string' }, role: { type: 'string', default: 'staff' } } });
  } catch (err) {
    return (out(`${(err as Error).message}\n${usage}`), 2);
  }
  const { positionals, values } = parsed;
  const command = positionals[0];
  if (!command || !['list', 'add', 'remove'].includes(command) || !values.business) return (out(usage), 2);
  if (values.role !== 'owner' && values.role !== 'staff') return (out(`unknown role ${values.role}: owner or staff\n${usage}`), 2);
  const [channel, ...rest] = (values.who ?? '').split(':');
  if (command !== 'list' && !(channelNames as readonly string[]).includes(channel ?? '')) return (out(`--who: channel:address, e.g. sms:+14155552671\n${usage}`), 2);

  const ctx = await connectCli();
  try {
    const business = await ctx.store.businesses.get(values.business);
    if (!business) return (out(`no business ${values.business}`), 1);
    const staff = new StaffService(ctx.store, business.id, () => new Date());
    if (command === 'list') return (out(staffOverview(await staff.overview())), 0);
    const identity = { channel: channel as ChannelName, address: normalizeAddress(channel as ChannelName, rest.join(':'), business.country) };
    const who = `${identity.channel}:${identity.address}`;
    if (command === 'add') {
      const { added, role } = await staff.add(identity, values.role, undefined, 'the command line');
      return (out(added ? `Added ${who} as ${role}.` : `${who} is already ${role}.`), 0);
    }
    const result = await staff.remove(identity, 'the command line');
    if (result === 'removed') return (out(`Removed ${who}: their commands are refused from now on.`), 0);
    return (out(result === 'unknown' ? `${who} has no access.` : `${who} is the last owner and stays: add another owner first.`), 1);
  } catch (err) {
    if (err instanceof AppError && err.expected) return (out(err.message), 1);
    throw err;
  } finally {
    await ctx.close();
  }
}

if (process.argv[1]?.endsWith('staff.ts')) runCommand(() => runStaffCli(process.argv.slice(2)));
