import type { FaultSpec, Faults, ServiceName } from './kernel.js';

export const SERVICE_NAMES: readonly ServiceName[] = [
  'backup',
  'efs',
  'ecs',
  'cloudformation',
  'ssm',
  'logs',
];

/** A FaultSpec as `POST /_sim/faults` sends it: `null` clears a field. */
export type FaultPatch = { [K in keyof FaultSpec]?: FaultSpec[K] | null };

/** The patch that turns every fault off. */
export const NO_FAULTS: Required<{ [K in keyof FaultSpec]: null }> = {
  throttle: null,
  burst5xx: null,
  restoreJob: null,
  changeSetFails: null,
  stackUpdateFails: null,
  taskCrashLoop: null,
  ssm: null,
  runTaskFails: null,
  oneOffTaskStart: null,
};

export class FaultSpecError extends Error {
  readonly code = 'InvalidFaultSpec';
  constructor(message: string) {
    super(message);
    this.name = 'FaultSpecError';
  }
}

/** The live faults: the kernel's view plus what the server uses to set and apply them. */
export interface FaultControl extends Faults {
  /** Merges a patch: per-service maps merge key by key; `null` or `{}` clears a field. */
  set(patch: FaultPatch): void;
  /** Whether this call is one of a pending 5xx burst for the service (and consumes it). */
  takeBurst(service: ServiceName): boolean;
  /** Whether this call is throttled, drawing from `random` (0..1). */
  throttled(service: ServiceName, random: number): boolean;
}

export function createFaults(initial: FaultSpec = {}): FaultControl {
  let spec: FaultSpec = {};
  const control: FaultControl = {
    get: () => spec,
    take(key) {
      const value = spec[key];
      if (value === undefined || value === false) return undefined;
      const { [key]: _taken, ...rest } = spec;
      spec = rest;
      return value;
    },
    set(patch) {
      spec = mergeFaults(spec, validateFaultPatch(patch));
    },
    takeBurst(service) {
      const left = spec.burst5xx?.[service] ?? 0;
      if (left <= 0) return false;
      const burst5xx = { ...spec.burst5xx, [service]: left - 1 };
      if (left - 1 <= 0) delete burst5xx[service];
      spec = { ...spec, burst5xx };
      if (Object.keys(burst5xx).length === 0) delete spec.burst5xx;
      return true;
    },
    throttled(service, random) {
      const fraction = spec.throttle?.[service] ?? 0;
      return fraction > 0 && random < fraction;
    },
  };
  control.set(initial);
  return control;
}

function mergeFaults(current: FaultSpec, patch: FaultPatch): FaultSpec {
  const next: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null || value === undefined || (isRecord(value) && Object.keys(value).length === 0)) {
      delete next[key];
    } else if (isRecord(value)) {
      const merged = { ...(next[key] as Record<string, number> | undefined), ...value } as Record<
        string,
        number
      >;
      for (const [service, n] of Object.entries(merged)) if (!n) delete merged[service];
      if (Object.keys(merged).length === 0) delete next[key];
      else next[key] = merged;
    } else {
      next[key] = value;
    }
  }
  return next as FaultSpec;
}

/** Checks a fault patch from a scenario file or an HTTP body; throws FaultSpecError naming the field. */
export function validateFaultPatch(input: unknown): FaultPatch {
  if (input === null || input === undefined) return {};
  if (!isRecord(input)) throw new FaultSpecError('faults must be an object');
  const out: FaultPatch = {};
  for (const [key, value] of Object.entries(input)) {
    switch (key) {
      case 'throttle':
      case 'burst5xx': {
        if (value === null) {
          out[key] = null;
          break;
        }
        if (!isRecord(value)) throw new FaultSpecError(`faults.${key} must be an object keyed by service`);
        const map: Partial<Record<ServiceName, number>> = {};
        for (const [service, n] of Object.entries(value)) {
          if (!SERVICE_NAMES.includes(service as ServiceName)) {
            throw new FaultSpecError(
              `faults.${key}.${service}: unknown service (use ${SERVICE_NAMES.join(', ')})`,
            );
          }
          const ok =
            key === 'throttle'
              ? typeof n === 'number' && n >= 0 && n <= 1
              : typeof n === 'number' && Number.isInteger(n) && n >= 0;
          if (!ok && n !== null) {
            throw new FaultSpecError(
              `faults.${key}.${service} must be ${key === 'throttle' ? 'a fraction between 0 and 1' : 'a whole number of calls'}`,
            );
          }
          map[service as ServiceName] = (n as number | null) ?? 0;
        }
        out[key] = map;
        break;
      }
      case 'restoreJob':
        if (value !== null && value !== 'FAILED' && value !== 'ABORTED') {
          throw new FaultSpecError('faults.restoreJob must be "FAILED" or "ABORTED"');
        }
        out.restoreJob = value;
        break;
      case 'changeSetFails':
      case 'stackUpdateFails':
      case 'runTaskFails':
        if (value !== null && typeof value !== 'string' && typeof value !== 'boolean') {
          throw new FaultSpecError(`faults.${key} must be true or a reason string`);
        }
        out[key] = value;
        break;
      case 'taskCrashLoop':
        if (value !== null && typeof value !== 'boolean')
          throw new FaultSpecError('faults.taskCrashLoop must be a boolean');
        out.taskCrashLoop = value;
        break;
      case 'ssm':
        if (value !== null && value !== 'timeout' && value !== 'fail') {
          throw new FaultSpecError('faults.ssm must be "timeout" or "fail"');
        }
        out.ssm = value;
        break;
      case 'oneOffTaskStart':
        if (value !== null && value !== 'stuck' && value !== 'pull_error') {
          throw new FaultSpecError('faults.oneOffTaskStart must be "stuck" or "pull_error"');
        }
        out.oneOffTaskStart = value;
        break;
      default:
        throw new FaultSpecError(`faults.${key}: unknown fault`);
    }
  }
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
