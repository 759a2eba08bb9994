import type { Server } from 'node:http';
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';

export interface BareApp {
  url: string;
  close(): Promise<void>;
}

/**
 * The baseline: a Bolt app on the same HTTPReceiver that acks `/chatdb-restore` at once with a
 * short text and does nothing else.
 */
export async function startBareApp(opts: {
  signingSecret: string;
  token: string;
  apiUrl: string;
}): Promise<BareApp> {
  const receiver = new HTTPReceiver({ signingSecret: opts.signingSecret, endpoints: '/slack/events' });
  const app = new App({
    receiver,
    token: opts.token,
    logLevel: LogLevel.ERROR,
    clientOptions: { slackApiUrl: opts.apiUrl },
    deferInitialization: true,
  });
  app.command('/chatdb-restore', async ({ ack }) => {
    await ack({ response_type: 'ephemeral', text: 'ok' });
  });
  await app.init();
  const server = (await app.start({ port: 0, host: '127.0.0.1' })) as Server;
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the bare app has no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: async () => {
      await app.stop();
    },
  };
}
