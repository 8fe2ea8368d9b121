import { describe, expect, it, vi } from 'vitest';
import { buildTestServer } from '../../helpers/build.js';
import { messageActivity, postActivity, teamsUser } from '../../helpers/fake-bot-connector.js';

const activity = () => messageActivity('9', { user: teamsUser(), serviceUrl: 'https://smba.example/' });

describe('Teams in the app', () => {
  it('is registered when TEAMS_APP_ID is set, and refuses an unsigned activity', async () => {
    const server = await buildTestServer({ TEAMS_APP_ID: 'b07a-app', TEAMS_APP_PASSWORD: 'not-a-real-password', TEAMS_TENANT_ID: 'tenant-1' });
    try {
      expect((await server.app.businesses.get('default'))!.channels.has('teams')).toBe(true);
      const quiet = vi.spyOn(console, 'error').mockImplementation(() => {});
      const res = await postActivity(server.app, activity()).finally(() => quiet.mockRestore());
      expect(res.statusCode).toBe(401);
      expect(await server.app.store.inbound.model.countDocuments()).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('is off without Teams settings', async () => {
    const server = await buildTestServer();
    try {
      expect((await server.app.businesses.get('default'))!.channels.has('teams')).toBe(false);
      expect((await postActivity(server.app, activity())).statusCode).toBe(404);
    } finally {
      await server.close();
    }
  });
});
