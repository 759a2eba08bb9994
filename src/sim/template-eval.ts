// Evaluates a parsed template: parameter values, conditions and the intrinsic functions, given how
// to resolve a resource's Ref and GetAtt. The same evaluation serves two purposes: with physical
// ids it yields what gets deployed; with symbolic ids it yields what a change set compares.

import { isRecord, type Template, TemplateFormatError, type TemplateResource } from './template-parse.js';

/** A value CloudFormation would refuse while evaluating; the message is AWS's. */
export class TemplateEvalError extends Error {
  readonly code = 'TemplateEvalError';
  constructor(message: string) {
    super(message);
    this.name = 'TemplateEvalError';
  }
}

export const PSEUDO_PARAMETERS = new Set([
  'AWS::AccountId',
  'AWS::NotificationARNs',
  'AWS::NoValue',
  'AWS::Partition',
  'AWS::Region',
  'AWS::StackId',
  'AWS::StackName',
  'AWS::URLSuffix',
]);

/** `Ref: AWS::NoValue`: the property it stands for is left out. */
const NO_VALUE = Symbol('AWS::NoValue');

export interface EvalContext {
  region: string;
  accountId: string;
  stackName: string;
  stackId: string;
  parameters: Record<string, string>;
  ref(logicalId: string): unknown;
  getAtt(logicalId: string, attribute: string): unknown;
}

export interface EvaluatedResource {
  logicalId: string;
  type: string;
  properties: Record<string, unknown>;
}

export interface ParameterInput {
  key: string;
  value?: string;
  usePreviousValue?: boolean;
}

/** The parameter values an update uses: given, previous, or the template's defaults. */
export function resolveParameters(
  template: Template,
  inputs: readonly ParameterInput[],
  previous: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const declared = new Map(template.parameters.map((p) => [p.key, p]));
  const unknown = inputs.filter((i) => !declared.has(i.key)).map((i) => i.key);
  if (unknown.length > 0) {
    throw new TemplateEvalError(`Parameters: [${unknown.join(', ')}] do not exist in the template`);
  }
  const byKey = new Map(inputs.map((i) => [i.key, i]));
  const values: Record<string, string> = {};
  const missing: string[] = [];
  for (const p of template.parameters) {
    const input = byKey.get(p.key);
    let value: string | undefined;
    if (input?.usePreviousValue) {
      value = previous[p.key];
      if (value === undefined) {
        throw new TemplateEvalError(
          `Invalid input for parameter key ${p.key}. Cannot specify usePreviousValue as true for a parameter key not in the previous template`,
        );
      }
    } else {
      value = input?.value ?? p.default;
    }
    if (value === undefined) {
      missing.push(p.key);
      continue;
    }
    if (p.allowedValues && !p.allowedValues.includes(value)) {
      throw new TemplateEvalError(`Parameter '${p.key}' must be one of AllowedValues`);
    }
    if (p.type === 'Number' && (value.trim() === '' || !Number.isFinite(Number(value)))) {
      throw new TemplateEvalError(`Parameter '${p.key}' must be a number.`);
    }
    values[p.key] = value;
  }
  if (missing.length > 0) throw new TemplateEvalError(`Parameters: [${missing.join(', ')}] must have values`);
  return values;
}

/** Every name a value refers to through Ref, GetAtt or a `${…}` in Sub (parameters included). */
export function references(value: unknown, into: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) references(item, into);
  } else if (isRecord(value)) {
    const keys = Object.keys(value);
    const only = keys.length === 1 ? keys[0] : undefined;
    if (only === 'Ref' && typeof value.Ref === 'string') {
      into.add(value.Ref);
    } else if (only === 'Fn::GetAtt') {
      const args = value['Fn::GetAtt'];
      if (Array.isArray(args) && typeof args[0] === 'string') into.add(args[0]);
      else if (typeof args === 'string') into.add(args.split('.')[0] ?? args);
    } else if (only === 'Fn::Sub') {
      const args = value['Fn::Sub'];
      const [text, vars] = Array.isArray(args) ? [args[0], args[1]] : [args, undefined];
      const local = isRecord(vars) ? new Set(Object.keys(vars)) : new Set<string>();
      if (typeof text === 'string') {
        for (const match of text.matchAll(/\$\{([^}!][^}]*)\}/g)) {
          const name = (match[1] ?? '').split('.')[0] ?? '';
          if (!local.has(name)) into.add(name.trim());
        }
      }
      if (vars !== undefined) references(vars, into);
    } else {
      for (const child of Object.values(value)) references(child, into);
    }
  }
  return into;
}

/** Checks that every reference resolves, and returns the resources in an order that creates dependencies first. */
export function resourceOrder(template: Template): string[] {
  const resources = new Map(template.resources.map((r) => [r.logicalId, r]));
  const parameters = new Set(template.parameters.map((p) => p.key));
  const deps = new Map<string, string[]>();
  for (const r of template.resources) {
    const named = [...references(r.properties), ...r.dependsOn];
    const unresolved = named.filter(
      (n) => !resources.has(n) && !parameters.has(n) && !PSEUDO_PARAMETERS.has(n),
    );
    if (unresolved.length > 0) {
      throw new TemplateFormatError(
        `Unresolved resource dependencies [${[...new Set(unresolved)].join(', ')}] in the Resources block of the template`,
      );
    }
    if (r.condition !== undefined && !(r.condition in template.conditions)) {
      throw new TemplateFormatError(`Unresolved condition dependency ${r.condition} in Fn::If`);
    }
    deps.set(
      r.logicalId,
      [...new Set(named)].filter((n) => resources.has(n) && n !== r.logicalId),
    );
  }
  for (const o of template.outputs) {
    const unresolved = [...references(o.value)].filter(
      (n) => !resources.has(n) && !parameters.has(n) && !PSEUDO_PARAMETERS.has(n),
    );
    if (unresolved.length > 0) {
      throw new TemplateFormatError(
        `Unresolved resource dependencies [${unresolved.join(', ')}] in the Outputs block of the template`,
      );
    }
  }

  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, path: string[]) => {
    const seen = state.get(id);
    if (seen === 'done') return;
    if (seen === 'visiting') {
      const cycle = path.slice(path.indexOf(id));
      throw new TemplateFormatError(`Circular dependency between resources: [${cycle.join(', ')}]`);
    }
    state.set(id, 'visiting');
    for (const dep of deps.get(id) ?? []) visit(dep, [...path, id]);
    state.set(id, 'done');
    order.push(id);
  };
  for (const r of template.resources) visit(r.logicalId, []);
  return order;
}

/** The logical ids each resource depends on (Ref, GetAtt, Sub, DependsOn), resources only. */
export function resourceDependencies(template: Template): Map<string, Set<string>> {
  const ids = new Set(template.resources.map((r) => r.logicalId));
  const out = new Map<string, Set<string>>();
  for (const r of template.resources) {
    const named = [...references(r.properties), ...r.dependsOn].filter(
      (n) => ids.has(n) && n !== r.logicalId,
    );
    out.set(r.logicalId, new Set(named));
  }
  return out;
}

export interface Evaluator {
  /** Whether a named condition holds. */
  condition(name: string): boolean;
  /** Whether a resource exists under the current conditions. */
  included(resource: TemplateResource): boolean;
  /** Evaluates any template value; NoValue members are dropped. */
  value(value: unknown): unknown;
  /** A resource's properties, evaluated. */
  properties(resource: TemplateResource): Record<string, unknown>;
}

export function createEvaluator(template: Template, ctx: EvalContext): Evaluator {
  const parameterTypes = new Map(template.parameters.map((p) => [p.key, p.type]));
  const resourceIds = new Set(template.resources.map((r) => r.logicalId));
  const conditionCache = new Map<string, boolean>();

  const refValue = (name: string): unknown => {
    switch (name) {
      case 'AWS::AccountId':
        return ctx.accountId;
      case 'AWS::Region':
        return ctx.region;
      case 'AWS::StackName':
        return ctx.stackName;
      case 'AWS::StackId':
        return ctx.stackId;
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::NotificationARNs':
        return [];
      case 'AWS::NoValue':
        return NO_VALUE;
    }
    if (name in ctx.parameters) {
      const raw = ctx.parameters[name] ?? '';
      const type = parameterTypes.get(name) ?? 'String';
      return type === 'CommaDelimitedList' || type.startsWith('List<')
        ? raw.split(',').map((s) => s.trim())
        : raw;
    }
    if (resourceIds.has(name)) return ctx.ref(name);
    throw new TemplateEvalError(
      `Unresolved resource dependencies [${name}] in the Resources block of the template`,
    );
  };

  const asString = (value: unknown, fn: string): string => {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    throw new TemplateEvalError(`Template error: every ${fn} object requires string parameters`);
  };

  const asList = (value: unknown, fn: string): unknown[] => {
    if (Array.isArray(value)) return value;
    throw new TemplateEvalError(`Template error: ${fn} requires a list`);
  };

  const sub = (args: unknown): string => {
    const [textRaw, varsRaw] = Array.isArray(args) ? [args[0], args[1]] : [args, undefined];
    const text = asString(textRaw, 'Fn::Sub');
    const vars = isRecord(varsRaw) ? varsRaw : {};
    return text.replace(/\$\{([^}]*)\}/g, (whole, inner: string) => {
      if (inner.startsWith('!')) return `\${${inner.slice(1)}}`;
      const name = inner.trim();
      if (name in vars) return asString(evaluate(vars[name]), 'Fn::Sub');
      const dot = name.indexOf('.');
      if (dot > 0 && !PSEUDO_PARAMETERS.has(name)) {
        return asString(ctx.getAtt(name.slice(0, dot), name.slice(dot + 1)), 'Fn::Sub');
      }
      const value = refValue(name);
      if (Array.isArray(value)) return value.join(',');
      if (value === NO_VALUE) return whole;
      return asString(value, 'Fn::Sub');
    });
  };

  const intrinsic = (fn: string, arg: unknown): unknown => {
    switch (fn) {
      case 'Ref':
        return refValue(asString(arg, 'Ref'));
      case 'Condition':
        return condition(asString(arg, 'Condition'));
      case 'Fn::GetAtt': {
        const [id, attr] = typeof arg === 'string' ? arg.split(/\.(.*)/s) : asList(arg, 'Fn::GetAtt');
        return ctx.getAtt(asString(id, 'Fn::GetAtt'), asString(evaluate(attr), 'Fn::GetAtt'));
      }
      case 'Fn::Sub':
        return sub(arg);
      case 'Fn::Join': {
        const [delim, list] = asList(arg, 'Fn::Join');
        return asList(evaluate(list), 'Fn::Join')
          .map((item) => asString(item, 'Fn::Join'))
          .join(asString(delim, 'Fn::Join'));
      }
      case 'Fn::Select': {
        const [index, list] = asList(arg, 'Fn::Select');
        const items = asList(evaluate(list), 'Fn::Select');
        const i = Number(evaluate(index));
        if (!Number.isInteger(i) || i < 0 || i >= items.length) {
          throw new TemplateEvalError(
            `Template error: Fn::Select cannot select nonexistent value at index ${i}`,
          );
        }
        return items[i];
      }
      case 'Fn::Split': {
        const [delim, text] = asList(arg, 'Fn::Split');
        return asString(evaluate(text), 'Fn::Split').split(asString(delim, 'Fn::Split'));
      }
      case 'Fn::If': {
        const [name, yes, no] = asList(arg, 'Fn::If');
        return condition(asString(name, 'Fn::If')) ? evaluate(yes) : evaluate(no);
      }
      case 'Fn::Equals': {
        // CloudFormation compares values as strings: 1 equals "1".
        const [a, b] = asList(arg, 'Fn::Equals').map((v) => String(evaluate(v)));
        return a === b;
      }
      case 'Fn::And':
        return asList(arg, 'Fn::And').every((c) => evaluate(c) === true);
      case 'Fn::Or':
        return asList(arg, 'Fn::Or').some((c) => evaluate(c) === true);
      case 'Fn::Not':
        return evaluate(asList(arg, 'Fn::Not')[0]) !== true;
      case 'Fn::FindInMap': {
        const [map, top, second] = asList(arg, 'Fn::FindInMap').map((a) =>
          asString(evaluate(a), 'Fn::FindInMap'),
        );
        const found = (template.mappings[map ?? ''] as Record<string, Record<string, unknown>> | undefined)?.[
          top ?? ''
        ]?.[second ?? ''];
        if (found === undefined) {
          throw new TemplateEvalError(`Template error: Unable to get mapping for ${map}::${top}::${second}`);
        }
        return evaluate(found);
      }
      case 'Fn::Base64':
        return Buffer.from(asString(evaluate(arg), 'Fn::Base64')).toString('base64');
      case 'Fn::GetAZs':
        return ['a', 'b', 'c'].map((zone) => `${ctx.region}${zone}`);
      case 'Fn::Length':
        return asList(evaluate(arg), 'Fn::Length').length;
      case 'Fn::ToJsonString':
        return JSON.stringify(evaluate(arg));
      case 'Fn::ImportValue':
        throw new TemplateEvalError(`No export named ${asString(evaluate(arg), 'Fn::ImportValue')} found`);
      default:
        throw new TemplateEvalError(`Template format error: Unsupported intrinsic function ${fn}`);
    }
  };

  const evaluate = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(evaluate).filter((v) => v !== NO_VALUE);
    if (!isRecord(value)) return value;
    const keys = Object.keys(value);
    const only = keys.length === 1 ? keys[0] : undefined;
    if (only !== undefined && (only === 'Ref' || only === 'Condition' || only.startsWith('Fn::'))) {
      return intrinsic(only, value[only]);
    }
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      const v = evaluate(child);
      if (v !== NO_VALUE) out[key] = v;
    }
    return out;
  };

  const condition = (name: string): boolean => {
    const cached = conditionCache.get(name);
    if (cached !== undefined) return cached;
    if (!(name in template.conditions)) {
      throw new TemplateEvalError(`Template format error: Unresolved condition dependency ${name} in Fn::If`);
    }
    const result = evaluate(template.conditions[name]) === true;
    conditionCache.set(name, result);
    return result;
  };

  return {
    condition,
    included: (resource) => resource.condition === undefined || condition(resource.condition),
    value: evaluate,
    properties: (resource) => evaluate(resource.properties) as Record<string, unknown>,
  };
}
