// The chat-db task definition family's revision history through the real SDK client: ListTaskDefinitions
// by status (ACTIVE by default, INACTIVE on request), sorted and paged as the API reference says,
// and DescribeTaskDefinition's registeredAt / deregisteredAt for revisions the bot never registered.

import {
  DescribeTaskDefinitionCommand,
  ECSClient,
  InvalidParameterException,
  ListTaskDefinitionsCommand,
  paginateListTaskDefinitions,
} from '@aws-sdk/client-ecs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Simulator } from '../../src/sim/server.js';
import { clientConfig, withSim } from './support.js';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const NOW = Date.now();
const DAY = 86_400_000;

describe('ListTaskDefinitions and the family history', () => {
  it('lists earlier revisions as INACTIVE with their roots and times, the stack’s own as the next revision', async () => {
    sim = await withSim({
      scenario: {
        taskDefinitionHistory: {
          family: 'chat-db',
          revisions: [
            {
              root: '/',
              registeredAt: new Date(NOW - 200 * DAY).toISOString(),
              deregisteredAt: new Date(NOW - 100 * DAY).toISOString(),
            },
            {
              root: '/aws-backup-restore_2026-01-01T00-00-00-000Z',
              registeredAt: new Date(NOW - 100 * DAY).toISOString(),
            },
          ],
          currentRegisteredAt: new Date(NOW - 50 * DAY).toISOString(),
        },
      },
    });
    const ecs = new ECSClient(clientConfig(sim));
    const active = await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'chat-db' }));
    expect(active.taskDefinitionArns?.map((a) => a.split('/')[1])).toEqual(['chat-db:2', 'chat-db:3']);
    const inactive = await ecs.send(
      new ListTaskDefinitionsCommand({ familyPrefix: 'chat-db', status: 'INACTIVE' }),
    );
    expect(inactive.taskDefinitionArns?.map((a) => a.split('/')[1])).toEqual(['chat-db:1']);

    const first = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'chat-db:1' })))
      .taskDefinition;
    expect(first?.status).toBe('INACTIVE');
    expect(first?.volumes?.find((v) => v.name === 'chat-db')?.efsVolumeConfiguration?.rootDirectory).toBe(
      '/',
    );
    expect(first?.registeredAt?.toISOString()).toBe(new Date(NOW - 200 * DAY).toISOString());
    expect(first?.deregisteredAt?.toISOString()).toBe(new Date(NOW - 100 * DAY).toISOString());
    const current = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'chat-db:3' })))
      .taskDefinition;
    expect(current?.registeredAt?.toISOString()).toBe(new Date(NOW - 50 * DAY).toISOString());
    expect(current?.volumes?.find((v) => v.name === 'chat-db')?.efsVolumeConfiguration?.rootDirectory).toBe(
      '/aws-backup-restore_2026-05-14T17-27-00-417720408Z',
    );
  });

  it('pages with maxResults and nextToken, sorts DESC on request, refuses an unknown status', async () => {
    sim = await withSim();
    const ecs = new ECSClient(clientConfig(sim));
    const arns: string[] = [];
    for await (const page of paginateListTaskDefinitions({ client: ecs, pageSize: 1 }, { sort: 'DESC' })) {
      expect(page.taskDefinitionArns?.length ?? 0).toBeLessThanOrEqual(1);
      arns.push(...(page.taskDefinitionArns ?? []));
    }
    expect(arns.length).toBeGreaterThan(1);
    const families = arns.map((a) => a.split('/')[1]?.split(':')[0] ?? '');
    expect([...families].sort().reverse()).toEqual(families);
    await expect(
      ecs.send(new ListTaskDefinitionsCommand({ status: 'GONE' as 'ACTIVE' })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
  });
});
