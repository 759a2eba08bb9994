import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { COMMAND } from '../../src/slack/ids.js';
import { SUBCOMMANDS } from '../../src/slack/parse-command.js';

interface Manifest {
  _metadata: { major_version: number };
  display_information: {
    name: string;
    description: string;
    long_description?: string;
    background_color: string;
  };
  features: {
    bot_user: { display_name: string };
    slash_commands: Array<{
      command: string;
      description: string;
      usage_hint: string;
      should_escape: boolean;
    }>;
  };
  oauth_config: { scopes: { bot: string[]; user?: string[] } };
  settings: {
    interactivity: { is_enabled: boolean };
    org_deploy_enabled: boolean;
    socket_mode_enabled: boolean;
  };
}

const manifest = parse(readFileSync(new URL('../../manifest.yml', import.meta.url), 'utf8')) as Manifest;

// Limits from Slack's app manifest reference.
describe('manifest.yml', () => {
  it('describes the app within Slack’s field limits', () => {
    const info = manifest.display_information;
    expect(manifest._metadata.major_version).toBe(1);
    expect(info.name.length).toBeLessThanOrEqual(35);
    expect(info.description.length).toBeLessThanOrEqual(140);
    expect(info.long_description?.length).toBeGreaterThanOrEqual(175);
    expect(info.long_description?.length).toBeLessThanOrEqual(4000);
    expect(info.background_color).toMatch(/^#[0-9a-f]{6}$/i);
    expect(manifest.features.bot_user.display_name.length).toBeLessThanOrEqual(80);
  });

  it('declares the one slash command the code listens to, with a usage hint naming every subcommand', () => {
    expect(manifest.features.slash_commands).toHaveLength(1);
    const [command] = manifest.features.slash_commands;
    expect(command?.command).toBe(COMMAND);
    expect(command?.description.length).toBeLessThanOrEqual(2000);
    expect(command?.usage_hint.length).toBeLessThanOrEqual(1000);
    for (const sub of SUBCOMMANDS) expect(command?.usage_hint).toContain(sub);
  });

  it('asks for exactly the bot scopes the bot uses, and no user scopes', () => {
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual(
      [
        'channels:history',
        'chat:write',
        'commands',
        'files:write',
        'groups:history',
        'metadata.message:read',
        'usergroups:read',
      ].sort(),
    );
    expect(manifest.oauth_config.scopes.user).toBeUndefined();
  });

  it('turns on interactivity and Socket Mode, and off org-wide deployment', () => {
    expect(manifest.settings).toMatchObject({
      interactivity: { is_enabled: true },
      socket_mode_enabled: true,
      org_deploy_enabled: false,
    });
  });
});
