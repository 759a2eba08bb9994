// What a change set reports: which resources an update adds, modifies or removes, and whether a
// modification replaces the resource. Both sides are evaluated with symbolic resource ids, so a
// property counts as changed only when the template or a parameter changed it; a resource that
// refers to a replaced one is then modified through that reference, as CloudFormation reports it.

import { createEvaluator, type EvalContext, references, resourceOrder } from './template-eval.js';
import type { Template, TemplateResource } from './template-parse.js';

export type RequiresRecreation = 'Never' | 'Conditionally' | 'Always';
export type Replacement = 'True' | 'False' | 'Conditional';

export interface ChangeDetail {
  property: string;
  requiresRecreation: RequiresRecreation;
  evaluation: 'Static' | 'Dynamic';
  changeSource: 'DirectModification' | 'ResourceReference' | 'ParameterReference';
  causingEntity?: string;
}

export interface PlannedChange {
  action: 'Add' | 'Modify' | 'Remove';
  logicalId: string;
  resourceType: string;
  replacement?: Replacement;
  details: ChangeDetail[];
}

export interface TemplateSide {
  template: Template;
  parameters: Record<string, string>;
}

/** Properties whose change replaces the resource (the rest update in place). */
const REPLACING: Record<string, Set<string> | 'all'> = {
  'AWS::ECS::TaskDefinition': 'all',
  'AWS::ECS::Service': new Set(['ServiceName', 'Cluster', 'LaunchType', 'Role', 'SchedulingStrategy']),
  'AWS::ECS::Cluster': new Set(['ClusterName']),
  'AWS::EFS::FileSystem': new Set(['Encrypted', 'KmsKeyId', 'PerformanceMode', 'AvailabilityZoneName']),
  'AWS::EFS::MountTarget': new Set(['FileSystemId', 'SubnetId', 'IpAddress']),
  'AWS::IAM::Role': new Set(['RoleName', 'Path']),
  'AWS::Logs::LogGroup': new Set(['LogGroupName']),
};

export function requiresRecreation(type: string, property: string): RequiresRecreation {
  const rule = REPLACING[type];
  if (rule === undefined) return 'Conditionally';
  return rule === 'all' || rule.has(property) ? 'Always' : 'Never';
}

function replacementOf(details: readonly ChangeDetail[]): Replacement {
  if (details.some((d) => d.requiresRecreation === 'Always')) return 'True';
  if (details.some((d) => d.requiresRecreation === 'Conditionally')) return 'Conditional';
  return 'False';
}

export function planChanges(
  before: TemplateSide,
  after: TemplateSide,
  ctx: Omit<EvalContext, 'parameters' | 'ref' | 'getAtt'>,
): PlannedChange[] {
  const symbolic = (side: TemplateSide) =>
    createEvaluator(side.template, {
      ...ctx,
      parameters: side.parameters,
      ref: (id) => `{{Ref:${id}}}`,
      getAtt: (id, attribute) => `{{GetAtt:${id}.${attribute}}}`,
    });
  const evalBefore = symbolic(before);
  const evalAfter = symbolic(after);
  const beforeById = new Map(
    before.template.resources.filter((r) => evalBefore.included(r)).map((r) => [r.logicalId, r]),
  );
  const afterById = new Map(
    after.template.resources.filter((r) => evalAfter.included(r)).map((r) => [r.logicalId, r]),
  );

  const changes = new Map<string, PlannedChange>();
  for (const id of resourceOrder(after.template)) {
    const next = afterById.get(id);
    if (!next) continue;
    const prev = beforeById.get(id);
    if (!prev || prev.type !== next.type) {
      changes.set(id, { action: 'Add', logicalId: id, resourceType: next.type, details: [] });
      continue;
    }
    const details = directDetails(
      prev,
      next,
      evalBefore.properties(prev),
      evalAfter.properties(next),
      before,
      after,
    );
    // A reference to a replaced resource changes with it: Ref and GetAtt give new values.
    for (const [property, raw] of Object.entries(next.properties)) {
      if (details.some((d) => d.property === property)) continue;
      for (const name of references(raw)) {
        const replaced = changes.get(name);
        if (replaced?.action === 'Modify' && replaced.replacement !== 'False') {
          details.push({
            property,
            requiresRecreation: requiresRecreation(next.type, property),
            evaluation: 'Dynamic',
            changeSource: 'ResourceReference',
            causingEntity: name,
          });
          break;
        }
      }
    }
    if (details.length > 0) {
      changes.set(id, {
        action: 'Modify',
        logicalId: id,
        resourceType: next.type,
        replacement: replacementOf(details),
        details,
      });
    }
  }
  for (const [id, prev] of beforeById) {
    if (!afterById.has(id) || afterById.get(id)?.type !== prev.type) {
      changes.set(`${id}#removed`, { action: 'Remove', logicalId: id, resourceType: prev.type, details: [] });
    }
  }
  return [...changes.values()];
}

function directDetails(
  prev: TemplateResource,
  next: TemplateResource,
  prevProps: Record<string, unknown>,
  nextProps: Record<string, unknown>,
  before: TemplateSide,
  after: TemplateSide,
): ChangeDetail[] {
  const details: ChangeDetail[] = [];
  const names = new Set([...Object.keys(prevProps), ...Object.keys(nextProps)]);
  for (const property of names) {
    if (stable(prevProps[property]) === stable(nextProps[property])) continue;
    const sameText = stable(prev.properties[property]) === stable(next.properties[property]);
    // Same template text, different value: a parameter it refers to changed.
    const parameter = sameText
      ? [...references(next.properties[property])].find(
          (n) => n in after.parameters && before.parameters[n] !== after.parameters[n],
        )
      : undefined;
    details.push({
      property,
      requiresRecreation: requiresRecreation(next.type, property),
      evaluation: 'Static',
      changeSource: parameter !== undefined ? 'ParameterReference' : 'DirectModification',
      ...(parameter !== undefined ? { causingEntity: parameter } : {}),
    });
  }
  return details;
}

/** JSON with sorted keys, so that key order never counts as a change. */
function stable(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );
}
