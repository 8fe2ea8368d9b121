import { parseArgs } from 'node:util';
import { cleanText } from '../domain/text.js';
import { apiScopes, type ApiScope } from '../store/index.js';
import { connectCli, runCommand, UsageError } from './connect.js';

const usage = `usage: npm run api-key -- create --business <id> --scopes <scope,…> --name <who uses it>
       npm run api-key -- list --business <id>
       npm run api-key -- revoke --business <id> --id <key id>
scopes: ${apiScopes.join(', ')}`;


/** Makes, lists and revokes REST API keys on the database the server uses (MONGODB_URI or the embedded one). */
async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { business: { type: 'string', default: 'default' }, scopes: { type: 'string' }, name: { type: 'string' }, id: { type: 'string' } } });
  const command = positionals[0];
  if (!command || !['create', 'list', 'revoke'].includes(command)) throw new UsageError(`unknown command ${command ?? '(none)'}`);
  const scopes = (values.scopes ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const wrong = scopes.filter((s) => !(apiScopes as readonly string[]).includes(s));
  if (command === 'create' && (!scopes.length || wrong.length)) throw new UsageError(wrong.length ? `unknown scope ${wrong.join(', ')}` : '--scopes is required');
  if (command === 'create' && !cleanText(values.name ?? '')) throw new UsageError('--name is required');
  if (command === 'revoke' && !values.id) throw new UsageError('--id is required');

  const { store, close } = await connectCli();
  try {
    const businessId = values.business!;
    // The environment's business is stored when the server first starts; a key for it may come earlier.
    if (businessId !== 'default' && !(await store.businesses.get(businessId))) throw new UsageError(`no business ${businessId}`);
    if (command === 'create') {
      const made = await store.apiKeys.create({ businessId, name: cleanText(values.name!), scopes: scopes as ApiScope[] });
      console.error(`API key ${made.id} for business ${businessId} (${made.scopes.join(', ')}), shown this once:`);
      process.stdout.write(`${made.key}\n`);
    } else if (command === 'list') {
      for (const k of await store.apiKeys.list(businessId)) process.stdout.write(`${[k.id, k.name, k.scopes.join(','), k.createdAt.toISOString(), k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : 'active'].join('\t')}\n`);
    } else {
      const revoked = await store.apiKeys.revoke(values.id!, businessId, new Date());
      if (!revoked) throw new UsageError(`no API key ${values.id} in business ${businessId}`);
      console.error(`API key ${revoked.id} revoked`);
    }
  } finally {
    await close();
  }
}

runCommand(() => main(process.argv.slice(2)), usage);
