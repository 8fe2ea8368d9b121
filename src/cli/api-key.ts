import { parseArgs } from 'node:util';
import { environmentBusinessId } from '../businesses/environment-business.js';
import { cleanText } from '../domain/text.js';
import { apiScopes, deployment, operatorScope, type KeyScope } from '../store/index.js';
import { connectCli, runCommand, UsageError } from './connect.js';

const usage = `usage: npm run api-key -- create --business <id> --scopes <scope,…> --name <who uses it>
       npm run api-key -- list --business <id>
       npm run api-key -- revoke --business <id> --id <key id>
       npm run api-key -- create --operator --name <who uses it>   (also list and revoke with --operator)
scopes: ${apiScopes.join(', ')}; an operator key (the deployment's) creates, changes and deletes businesses and nothing else`;


/** Makes, lists and revokes REST API keys on the database the server uses (MONGODB_URI or the embedded one). */
async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { business: { type: 'string', default: environmentBusinessId }, operator: { type: 'boolean', default: false }, scopes: { type: 'string' }, name: { type: 'string' }, id: { type: 'string' } } });
  const command = positionals[0];
  if (!command || !['create', 'list', 'revoke'].includes(command)) throw new UsageError(`unknown command ${command ?? '(none)'}`);
  if (values.operator && values.scopes) throw new UsageError('an operator key has the operator scope alone: leave out --scopes');
  const scopes = values.operator ? [operatorScope] : (values.scopes ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const wrong = values.operator ? [] : scopes.filter((s) => !(apiScopes as readonly string[]).includes(s));
  if (command === 'create' && (!scopes.length || wrong.length)) throw new UsageError(wrong.length ? `unknown scope ${wrong.join(', ')}` : '--scopes is required');
  if (command === 'create' && !cleanText(values.name ?? '')) throw new UsageError('--name is required');
  if (command === 'revoke' && !values.id) throw new UsageError('--id is required');

  const { store, close } = await connectCli();
  try {
    const businessId = values.operator ? deployment : values.business!;
    if (businessId !== deployment && !(await store.businesses.get(businessId))) throw new UsageError(`no business ${businessId}`);
    if (command === 'create') {
      const made = await store.apiKeys.create({ businessId, name: cleanText(values.name!), scopes: scopes as KeyScope[] });
      console.error(`API key ${made.id} for ${values.operator ? 'the deployment' : `business ${businessId}`} (${made.scopes.join(', ')}), shown this once:`);
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
