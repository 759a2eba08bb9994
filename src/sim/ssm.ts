import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SimClockControl } from './clock.js';
import type { Faults, OpInput, ServiceModule } from './kernel.js';
import { SimError } from './kernel.js';
import { paginate } from './pagination.js';
import type { SimAccount } from './world-types.js';

export interface SsmOptions extends SimAccount {
  clock: SimClockControl;
  faults: Faults;
  /** The one managed instance: the inspection host. */
  instanceId: string;
  /** Where each command runs (a fresh directory per command below it). */
  workDir: string;
  /** Minimum time a command takes, from SendCommand to its end. */
  commandMs: number;
  /** How long GetCommandInvocation answers InvocationDoesNotExist after SendCommand. */
  invocationDelayMs: number;
  pageSize: number;
  /** Host directories the inspection host has an EFS file system mounted at. */
  mounts: readonly string[];
}

type Status = 'Pending' | 'InProgress' | 'Success' | 'Failed' | 'TimedOut' | 'Cancelled';

interface Invocation {
  commandId: string;
  instanceId: string;
  comment: string;
  parameters: Record<string, string[]>;
  script: string;
  executionTimeoutSec: number;
  /** SendCommand's TimeoutSeconds: undelivered by then, the command never runs. */
  deliveryTimeoutSec: number;
  requestedAt: number;
  visible: boolean;
  status: Status;
  statusDetails: string;
  startedAt?: number;
  endedAt?: number;
  exitCode: number;
  stdout: string;
  stderr: string;
  fault?: 'timeout' | 'fail';
  child?: ChildProcess;
  /** Both must hold before a finished script is reported: it exited, and commandMs passed. */
  exited?: { code: number; timedOut: boolean };
  minElapsed: boolean;
  cancels: (() => void)[];
}

// AWS truncates what GetCommandInvocation returns; the full output goes to S3, which we do not model.
export const STDOUT_LIMIT = 24_000;
export const STDERR_LIMIT = 8_000;
/** ListCommandInvocations' plugin Output is shorter still. */
const PLUGIN_OUTPUT_LIMIT = 2_500;
/** Keep this much of each stream in memory: enough to truncate like AWS, bounded against floods. */
const CAPTURE_LIMIT = 1 << 20;
const DOCUMENT = 'AWS-RunShellScript';
const PLUGIN = 'aws:runShellScript';
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface SsmWorld {
  module: ServiceModule;
  state(): unknown[];
  close(): void;
}

export function createSsm(opts: SsmOptions): SsmWorld {
  const invocations: Invocation[] = [];
  let closed = false;

  const finish = (inv: Invocation, status: Status, details: string, exitCode: number) => {
    if (inv.endedAt !== undefined) return;
    for (const cancel of inv.cancels) cancel();
    inv.status = status;
    inv.statusDetails = details;
    inv.exitCode = exitCode;
    inv.endedAt = opts.clock.now();
    inv.startedAt ??= inv.endedAt;
  };

  const settle = (inv: Invocation) => {
    if (!inv.exited || !inv.minElapsed) return;
    const { code, timedOut } = inv.exited;
    if (timedOut) finish(inv, 'TimedOut', 'ExecutionTimedOut', -1);
    else if (code === 0) finish(inv, 'Success', 'Success', 0);
    else {
      inv.stderr += `${inv.stderr === '' || inv.stderr.endsWith('\n') ? '' : '\n'}failed to run commands: exit status ${code}`;
      finish(inv, 'Failed', 'Failed', code);
    }
  };

  const start = (inv: Invocation) => {
    inv.visible = true;
    inv.status = 'InProgress';
    inv.statusDetails = 'InProgress';
    inv.startedAt = opts.clock.now();
    if (inv.fault === 'timeout') {
      inv.cancels.push(
        opts.clock.after(inv.executionTimeoutSec * 1000, () =>
          finish(inv, 'TimedOut', 'ExecutionTimedOut', -1),
        ),
      );
      return;
    }
    if (inv.fault === 'fail') {
      inv.stderr = 'simulated failure injected by the AWS simulator\n';
      inv.exited = { code: 1, timedOut: false };
      settle(inv);
      return;
    }
    run(inv);
  };

  const binDir = join(opts.workDir, '_bin');
  /**
   * The inspection host has the file system mounted, so mountpoint(1) says so for its mount; the
   * simulator's mount is a plain directory, which the real mountpoint would call "not a mountpoint".
   */
  const installMountpoint = () => {
    mkdirSync(binDir, { recursive: true });
    const quote = (p: string) => `'${p.replaceAll("'", "'\\''")}'`;
    const cases = opts.mounts.length === 0 ? "''" : opts.mounts.map(quote).join('|');
    writeFileSync(
      join(binDir, 'mountpoint'),
      [
        '#!/bin/bash',
        'q=; [ "$1" = -q ] && { q=1; shift; }; [ "$1" = -- ] && shift',
        'case "$(cd -P -- "$1" 2>/dev/null && pwd)" in',
        `  ${cases}) [ -n "$q" ] || echo "$1 is a mountpoint"; exit 0 ;;`,
        'esac',
        '[ -n "$q" ] || echo "$1 is not a mountpoint"; exit 32',
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
  };
  installMountpoint();

  const run = (inv: Invocation) => {
    const dir = join(opts.workDir, inv.commandId, 'awsrunShellScript', '0.awsrunShellScript');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, '_script.sh'), inv.script, { mode: 0o700 });
    let cwd = dir;
    const wd = inv.parameters.workingDirectory?.[0];
    if (wd) {
      if (!isDirectory(wd)) {
        inv.stderr = `Failed to set working directory: ${wd} does not exist\n`;
        inv.exited = { code: 1, timedOut: false };
        settle(inv);
        return;
      }
      cwd = wd;
    }
    // The script is the caller's, run as AWS-RunShellScript runs it: a file handed to the shell,
    // with a minimal environment. Its own process group lets a timeout kill everything it started.
    const child = spawn('bash', [join(dir, '_script.sh')], {
      cwd,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: `${binDir}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
        HOME: dir,
        LANG: 'C.UTF-8',
        AWS_SSM_INSTANCE_ID: inv.instanceId,
        AWS_SSM_REGION_NAME: opts.region,
      },
    });
    inv.child = child;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (inv.stdout.length < CAPTURE_LIMIT) inv.stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      if (inv.stderr.length < CAPTURE_LIMIT) inv.stderr += chunk;
    });
    // executionTimeout is enforced in real seconds: the script itself runs in real time.
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child);
    }, inv.executionTimeoutSec * 1000);
    timer.unref();
    child.on('error', (error) => {
      inv.stderr += `failed to run commands: ${error.message}\n`;
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      inv.child = undefined;
      if (closed) return;
      inv.exited = { code: code ?? (signal ? 128 + signalNumber(signal) : 1), timedOut };
      settle(inv);
    });
  };

  const find = (commandId: unknown, instanceId: unknown): Invocation => {
    if (typeof commandId !== 'string' || !UUID_RE.test(commandId)) {
      throw new SimError('InvalidCommandId', `Invalid command id ${String(commandId)}.`);
    }
    const inv = invocations.find((i) => i.commandId === commandId && i.instanceId === instanceId);
    if (!inv?.visible) {
      throw new SimError(
        'InvocationDoesNotExist',
        `Invocation of command ${commandId} on instance ${String(instanceId)} does not exist.`,
      );
    }
    return inv;
  };

  const command = (inv: Invocation) => {
    const done = inv.endedAt !== undefined;
    return {
      CommandId: inv.commandId,
      DocumentName: DOCUMENT,
      DocumentVersion: '$DEFAULT',
      Comment: inv.comment,
      ExpiresAfter: new Date(inv.requestedAt + (inv.executionTimeoutSec + 3600) * 1000),
      Parameters: inv.parameters,
      InstanceIds: [inv.instanceId],
      Targets: [],
      RequestedDateTime: new Date(inv.requestedAt),
      Status: inv.status,
      StatusDetails: inv.statusDetails,
      OutputS3Region: opts.region,
      OutputS3BucketName: '',
      OutputS3KeyPrefix: '',
      MaxConcurrency: '50',
      MaxErrors: '0',
      TargetCount: 1,
      CompletedCount: done ? 1 : 0,
      ErrorCount: done && inv.status !== 'Success' ? 1 : 0,
      DeliveryTimedOutCount: inv.statusDetails === 'DeliveryTimedOut' ? 1 : 0,
      ServiceRole: '',
      NotificationConfig: { NotificationArn: '', NotificationEvents: [], NotificationType: '' },
      CloudWatchOutputConfig: { CloudWatchLogGroupName: '', CloudWatchOutputEnabled: false },
      TimeoutSeconds: inv.deliveryTimeoutSec,
    };
  };

  const ops = {
    SendCommand(input: OpInput) {
      if (input.DocumentName !== DOCUMENT) {
        throw new SimError(
          'InvalidDocument',
          `Document ${String(input.DocumentName)} is not supported by the simulator; use ${DOCUMENT}.`,
        );
      }
      if (input.Targets !== undefined && (input.Targets as unknown[]).length > 0) {
        throw new SimError('InvalidParameters', 'The simulator supports InstanceIds, not Targets.');
      }
      const ids = input.InstanceIds;
      if (!Array.isArray(ids) || ids.length === 0) {
        throw new SimError('InvalidParameters', 'InstanceIds must name at least one instance.');
      }
      const unknown = ids.filter((id) => id !== opts.instanceId);
      if (unknown.length > 0 || ids.length > 1) {
        throw new SimError(
          'InvalidInstanceId',
          `Instances [[${(unknown.length > 0 ? unknown : ids).join(', ')}]] not in a valid state for account ${opts.accountId}`,
        );
      }
      const parameters = readParameters(input.Parameters);
      const commands = parameters.commands;
      if (!commands || commands.length === 0) {
        throw new SimError('InvalidParameters', 'Parameter "commands" is required by AWS-RunShellScript.');
      }
      const timeoutText = parameters.executionTimeout?.[0] ?? '3600';
      const executionTimeoutSec = Number(timeoutText);
      if (!/^\d+$/.test(timeoutText) || executionTimeoutSec < 1 || executionTimeoutSec > 172_800) {
        throw new SimError(
          'InvalidParameters',
          `executionTimeout must be 1 to 172800 seconds, got ${timeoutText}.`,
        );
      }
      const deliveryTimeoutSec = input.TimeoutSeconds === undefined ? 3600 : Number(input.TimeoutSeconds);
      if (
        !Number.isInteger(deliveryTimeoutSec) ||
        deliveryTimeoutSec < 30 ||
        deliveryTimeoutSec > 2_592_000
      ) {
        throw new SimError(
          'InvalidParameters',
          `TimeoutSeconds must be 30 to 2592000 seconds, got ${String(input.TimeoutSeconds)}.`,
        );
      }
      const fault = opts.faults.take('ssm');
      const inv: Invocation = {
        commandId: randomUUID(),
        instanceId: opts.instanceId,
        comment: typeof input.Comment === 'string' ? input.Comment : '',
        parameters,
        script: `${commands.join('\n')}\n`,
        executionTimeoutSec,
        deliveryTimeoutSec,
        requestedAt: opts.clock.now(),
        visible: false,
        status: 'Pending',
        statusDetails: 'Pending',
        exitCode: -1,
        stdout: '',
        stderr: '',
        ...(fault !== undefined ? { fault } : {}),
        minElapsed: false,
        cancels: [],
      };
      invocations.push(inv);
      if (opts.invocationDelayMs > deliveryTimeoutSec * 1000) {
        // The agent does not pick it up in time: it never runs.
        inv.cancels.push(
          opts.clock.after(deliveryTimeoutSec * 1000, () => {
            inv.visible = true;
            finish(inv, 'TimedOut', 'DeliveryTimedOut', -1);
          }),
        );
        return { Command: command(inv) };
      }
      inv.cancels.push(opts.clock.after(opts.invocationDelayMs, () => start(inv)));
      inv.cancels.push(
        opts.clock.after(Math.max(opts.commandMs, opts.invocationDelayMs), () => {
          inv.minElapsed = true;
          settle(inv);
        }),
      );
      return { Command: command(inv) };
    },

    CancelCommand(input: OpInput) {
      if (typeof input.CommandId !== 'string' || !UUID_RE.test(input.CommandId)) {
        throw new SimError('InvalidCommandId', `Invalid command id ${String(input.CommandId)}.`);
      }
      const only = Array.isArray(input.InstanceIds) ? input.InstanceIds.map(String) : undefined;
      const matching = invocations.filter(
        (i) => i.commandId === input.CommandId && (only === undefined || only.includes(i.instanceId)),
      );
      if (matching.length === 0) {
        throw new SimError('InvalidCommandId', `Command ${input.CommandId} does not exist.`);
      }
      for (const inv of matching) {
        if (inv.endedAt !== undefined) continue;
        if (inv.child) killGroup(inv.child);
        inv.visible = true;
        finish(inv, 'Cancelled', 'Cancelled', -1);
      }
      return {};
    },

    GetCommandInvocation(input: OpInput) {
      if (input.InstanceId === undefined) throw new SimError('InvalidInstanceId', 'InstanceId is required.');
      const inv = find(input.CommandId, input.InstanceId);
      if (input.PluginName !== undefined && input.PluginName !== PLUGIN) {
        throw new SimError(
          'InvalidPluginName',
          `Plugin ${String(input.PluginName)} is not part of the document.`,
        );
      }
      return {
        CommandId: inv.commandId,
        InstanceId: inv.instanceId,
        Comment: inv.comment,
        DocumentName: DOCUMENT,
        DocumentVersion: '$DEFAULT',
        PluginName: PLUGIN,
        ResponseCode: inv.exitCode,
        ExecutionStartDateTime: inv.startedAt === undefined ? '' : new Date(inv.startedAt).toISOString(),
        ExecutionElapsedTime:
          inv.startedAt === undefined ? '' : isoDuration((inv.endedAt ?? opts.clock.now()) - inv.startedAt),
        ExecutionEndDateTime: inv.endedAt === undefined ? '' : new Date(inv.endedAt).toISOString(),
        Status: inv.status,
        StatusDetails: inv.statusDetails,
        StandardOutputContent: inv.endedAt === undefined ? '' : inv.stdout.slice(0, STDOUT_LIMIT),
        StandardOutputUrl: '',
        StandardErrorContent: inv.endedAt === undefined ? '' : inv.stderr.slice(0, STDERR_LIMIT),
        StandardErrorUrl: '',
        CloudWatchOutputConfig: { CloudWatchLogGroupName: '', CloudWatchOutputEnabled: false },
      };
    },

    ListCommandInvocations(input: OpInput) {
      const matching = invocations
        .filter(
          (i) =>
            i.visible &&
            (input.CommandId === undefined || i.commandId === input.CommandId) &&
            (input.InstanceId === undefined || i.instanceId === input.InstanceId),
        )
        .reverse();
      const page = paginate(matching, {
        token: input.NextToken,
        max: input.MaxResults,
        pageSize: opts.pageSize,
        scope: `inv:${String(input.CommandId ?? '')}:${String(input.InstanceId ?? '')}`,
        invalidToken: 'InvalidNextToken',
      });
      return {
        CommandInvocations: page.items.map((inv) => ({
          CommandId: inv.commandId,
          InstanceId: inv.instanceId,
          InstanceName: 'chatdb-inspector',
          Comment: inv.comment,
          DocumentName: DOCUMENT,
          DocumentVersion: '$DEFAULT',
          RequestedDateTime: new Date(inv.requestedAt),
          Status: inv.status,
          StatusDetails: inv.statusDetails,
          TraceOutput: '',
          StandardOutputUrl: '',
          StandardErrorUrl: '',
          CommandPlugins:
            input.Details === true
              ? [
                  {
                    Name: PLUGIN,
                    Status: inv.status,
                    StatusDetails: inv.statusDetails,
                    ResponseCode: inv.exitCode,
                    ...(inv.startedAt !== undefined
                      ? { ResponseStartDateTime: new Date(inv.startedAt) }
                      : {}),
                    ...(inv.endedAt !== undefined ? { ResponseFinishDateTime: new Date(inv.endedAt) } : {}),
                    Output: inv.endedAt === undefined ? '' : pluginOutput(inv),
                    StandardOutputUrl: '',
                    StandardErrorUrl: '',
                    OutputS3Region: opts.region,
                    OutputS3BucketName: '',
                    OutputS3KeyPrefix: '',
                  },
                ]
              : [],
          ServiceRole: '',
          NotificationConfig: { NotificationArn: '', NotificationEvents: [], NotificationType: '' },
          CloudWatchOutputConfig: { CloudWatchLogGroupName: '', CloudWatchOutputEnabled: false },
        })),
        NextToken: page.next,
      };
    },

    ListCommands(input: OpInput) {
      const matching = invocations
        .filter(
          (i) =>
            (input.CommandId === undefined || i.commandId === input.CommandId) &&
            (input.InstanceId === undefined || i.instanceId === input.InstanceId),
        )
        .reverse();
      const page = paginate(matching, {
        token: input.NextToken,
        max: input.MaxResults,
        pageSize: opts.pageSize,
        scope: `cmd:${String(input.CommandId ?? '')}:${String(input.InstanceId ?? '')}`,
        invalidToken: 'InvalidNextToken',
      });
      return { Commands: page.items.map(command), NextToken: page.next };
    },
  };

  return {
    module: { name: 'ssm', ops },
    state: () =>
      invocations.map((i) => ({
        commandId: i.commandId,
        instanceId: i.instanceId,
        comment: i.comment,
        status: i.status,
        exitCode: i.exitCode,
        fault: i.fault,
        requestedAt: new Date(i.requestedAt).toISOString(),
        scriptBytes: i.script.length,
        stdoutBytes: i.stdout.length,
        stderrBytes: i.stderr.length,
      })),
    close() {
      closed = true;
      for (const inv of invocations) {
        for (const cancel of inv.cancels) cancel();
        if (inv.child) killGroup(inv.child);
      }
    },
  };
}

function readParameters(value: unknown): Record<string, string[]> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SimError('InvalidParameters', 'Parameters must map names to lists of strings.');
  }
  const out: Record<string, string[]> = {};
  for (const [name, list] of Object.entries(value)) {
    if (!['commands', 'workingDirectory', 'executionTimeout'].includes(name)) {
      throw new SimError('InvalidParameters', `Parameter "${name}" is not defined in document ${DOCUMENT}.`);
    }
    if (!Array.isArray(list) || list.some((s) => typeof s !== 'string')) {
      throw new SimError('InvalidParameters', `Parameter "${name}" must be a list of strings.`);
    }
    out[name] = list as string[];
  }
  return out;
}

/** AWS's plugin Output: stdout, then stderr after a separator, cut to 2500 characters. */
function pluginOutput(inv: Invocation): string {
  const text = inv.stderr === '' ? inv.stdout : `${inv.stdout}\n----------ERROR-------\n${inv.stderr}`;
  return text.slice(0, PLUGIN_OUTPUT_LIMIT);
}

function isoDuration(ms: number): string {
  return `PT${(Math.max(0, ms) / 1000).toFixed(3)}S`;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

function signalNumber(signal: NodeJS.Signals): number {
  return signal === 'SIGKILL' ? 9 : signal === 'SIGTERM' ? 15 : 1;
}
