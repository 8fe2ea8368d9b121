/**
 * The minimal botbuilder bot the product's Teams path is compared with: the SDK's CloudAdapter
 * processing each activity on node:http (token checks off, as the bench's Teams server runs), one
 * document stored per activity with the driver the product uses (the one mongoose bundles), one
 * text answered through the Bot Connector. Nothing else: no dialog, no logging.
 *   PORT=… MONGODB_URI=mongodb://…/db node --import tsx bench/peers/botbuilder-bot.ts
 */
import { createServer } from 'node:http';
import { CloudAdapter, ConfigurationBotFrameworkAuthentication, type Request, type Response } from 'botbuilder';
import mongoose from 'mongoose';

const client = await mongoose.mongo.MongoClient.connect(process.env.MONGODB_URI ?? '', { maxPoolSize: 20 });
const activities = client.db().collection('peer_teams_activities');
const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({ MicrosoftAppId: '', MicrosoftAppPassword: '', MicrosoftAppType: 'MultiTenant' }));

createServer((req, res) => {
  if (req.url === '/readyz') return res.end('ok');
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const request = { method: req.method, headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown } as Request;
    const response = {
      socket: res.socket,
      status: (code: number) => void (res.statusCode = code),
      header: (name: string, value: unknown) => void res.setHeader(name, String(value)),
      send: (body: unknown) => void (body !== undefined && body !== null && res.write(typeof body === 'string' ? body : JSON.stringify(body))),
      end: () => void (res.writableEnded || res.end()),
    } as Response;
    void adapter.process(request, response, async (context) => {
      if (context.activity.type !== 'message') return;
      const { id, from, conversation, text } = context.activity;
      await activities.insertOne({ activityId: id, userId: from.aadObjectId ?? from.id, conversationId: conversation.id, text: text ?? null, at: new Date() });
      await context.sendActivity('Thanks!');
    });
  });
}).listen(Number(process.env.PORT), '127.0.0.1');
