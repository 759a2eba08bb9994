// Reads a CloudFormation template (YAML with short-form intrinsics, or JSON) into plain values in
// the long form CloudFormation itself works with: `!Ref X` becomes `{ Ref: 'X' }`, `!GetAtt A.B`
// becomes `{ 'Fn::GetAtt': ['A', 'B'] }`, `!Sub …` becomes `{ 'Fn::Sub': … }`, and so on.

import { type Document, isAlias, isMap, isScalar, isSeq, type Node, parseDocument } from 'yaml';
import { CFN_TAGS } from '../cfn-yaml-tags.js';

/** A template CloudFormation would refuse; the message is the part after "Template format error: ". */
export class TemplateFormatError extends Error {
  readonly code = 'TemplateFormatError';
  constructor(message: string) {
    super(message);
    this.name = 'TemplateFormatError';
  }
}

export type TemplateValue = unknown;

export interface TemplateParameter {
  key: string;
  type: string;
  default?: string;
  allowedValues?: string[];
  noEcho: boolean;
  description?: string;
}

export interface TemplateResource {
  logicalId: string;
  type: string;
  properties: Record<string, TemplateValue>;
  condition?: string;
  dependsOn: string[];
  deletionPolicy?: string;
}

export interface TemplateOutput {
  key: string;
  value: TemplateValue;
  description?: string;
  exportName?: TemplateValue;
  condition?: string;
}

export interface Template {
  description?: string;
  parameters: TemplateParameter[];
  mappings: Record<string, TemplateValue>;
  conditions: Record<string, TemplateValue>;
  /** In template order. */
  resources: TemplateResource[];
  outputs: TemplateOutput[];
}

const TOP_LEVEL = new Set([
  'AWSTemplateFormatVersion',
  'Description',
  'Metadata',
  'Parameters',
  'Rules',
  'Mappings',
  'Conditions',
  'Transform',
  'Resources',
  'Outputs',
]);

/** Parses and checks a template's structure the way CreateChangeSet does before anything else. */
export function parseTemplate(body: string): Template {
  const raw = parseTemplateBody(body);
  if (!isRecord(raw)) throw new TemplateFormatError('The template is not a JSON or YAML object.');
  for (const key of Object.keys(raw)) {
    if (!TOP_LEVEL.has(key))
      throw new TemplateFormatError(`Invalid template property or properties [${key}]`);
  }
  if (raw.AWSTemplateFormatVersion !== undefined && String(raw.AWSTemplateFormatVersion) !== '2010-09-09') {
    throw new TemplateFormatError(`Unsupported template version: ${String(raw.AWSTemplateFormatVersion)}`);
  }

  const parameters: TemplateParameter[] = [];
  for (const [key, spec] of Object.entries(optionalRecord(raw.Parameters, 'Parameters'))) {
    if (!isRecord(spec) || typeof spec.Type !== 'string') {
      throw new TemplateFormatError(`Every Parameters object must contain a Type member.`);
    }
    parameters.push({
      key,
      type: spec.Type,
      ...(spec.Default !== undefined ? { default: scalarString(spec.Default) } : {}),
      ...(Array.isArray(spec.AllowedValues) ? { allowedValues: spec.AllowedValues.map(scalarString) } : {}),
      noEcho: String(spec.NoEcho) === 'true',
      ...(typeof spec.Description === 'string' ? { description: spec.Description } : {}),
    });
  }

  const resourcesRaw = raw.Resources;
  if (!isRecord(resourcesRaw) || Object.keys(resourcesRaw).length === 0) {
    throw new TemplateFormatError('At least one Resources member must be defined.');
  }
  const resources: TemplateResource[] = [];
  for (const [logicalId, spec] of Object.entries(resourcesRaw)) {
    if (!/^[A-Za-z0-9]+$/.test(logicalId)) {
      throw new TemplateFormatError(`Resource name ${logicalId} is non alphanumeric.`);
    }
    if (!isRecord(spec) || typeof spec.Type !== 'string') {
      throw new TemplateFormatError(
        `[/Resources/${logicalId}] Every Resources object must contain a Type member.`,
      );
    }
    const properties = spec.Properties === undefined ? {} : spec.Properties;
    if (!isRecord(properties)) {
      throw new TemplateFormatError(`[/Resources/${logicalId}/Properties] Properties must be an object.`);
    }
    const dependsOn =
      spec.DependsOn === undefined ? [] : Array.isArray(spec.DependsOn) ? spec.DependsOn : [spec.DependsOn];
    resources.push({
      logicalId,
      type: spec.Type,
      properties,
      ...(typeof spec.Condition === 'string' ? { condition: spec.Condition } : {}),
      dependsOn: dependsOn.map(String),
      ...(typeof spec.DeletionPolicy === 'string' ? { deletionPolicy: spec.DeletionPolicy } : {}),
    });
  }

  const outputs: TemplateOutput[] = [];
  for (const [key, spec] of Object.entries(optionalRecord(raw.Outputs, 'Outputs'))) {
    if (!isRecord(spec) || spec.Value === undefined) {
      throw new TemplateFormatError(`Every Outputs member must contain a Value object`);
    }
    const exportName = isRecord(spec.Export) ? spec.Export.Name : undefined;
    outputs.push({
      key,
      value: spec.Value,
      ...(typeof spec.Description === 'string' ? { description: spec.Description } : {}),
      ...(exportName !== undefined ? { exportName } : {}),
      ...(typeof spec.Condition === 'string' ? { condition: spec.Condition } : {}),
    });
  }

  return {
    ...(typeof raw.Description === 'string' ? { description: raw.Description } : {}),
    parameters,
    mappings: optionalRecord(raw.Mappings, 'Mappings'),
    conditions: optionalRecord(raw.Conditions, 'Conditions'),
    resources,
    outputs,
  };
}

/** YAML or JSON text → plain values with intrinsics in long form. */
export function parseTemplateBody(body: string): unknown {
  if (typeof body !== 'string' || body.trim() === '') {
    throw new TemplateFormatError('The template body is empty.');
  }
  const doc = parseDocument(body, { customTags: CFN_TAGS, uniqueKeys: true });
  const error = doc.errors[0];
  if (error) {
    const at = error.linePos?.[0];
    throw new TemplateFormatError(
      at ? `YAML not well-formed. (line ${at.line}, column ${at.col})` : 'YAML not well-formed.',
    );
  }
  return toPlain(doc.contents as Node | null, doc);
}

function toPlain(node: Node | null | undefined, doc: Document): unknown {
  if (node === null || node === undefined) return null;
  if (isAlias(node)) return toPlain(node.resolve(doc) as Node | undefined, doc);
  let value: unknown;
  if (isScalar(node)) {
    value = node.value;
  } else if (isSeq(node)) {
    value = node.items.map((item) => toPlain(item as Node, doc));
  } else if (isMap(node)) {
    const out: Record<string, unknown> = {};
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(toPlain(pair.key as Node, doc));
      out[key] = toPlain(pair.value as Node | null, doc);
    }
    value = out;
  } else {
    return null;
  }
  const tag = node.tag;
  if (tag?.startsWith('!') && !tag.startsWith('!!')) return longForm(tag.slice(1), value);
  return value;
}

function longForm(name: string, value: unknown): Record<string, unknown> {
  if (name === 'Ref' || name === 'Condition') return { [name]: value };
  if (name === 'GetAtt' && typeof value === 'string') {
    const dot = value.indexOf('.');
    return { 'Fn::GetAtt': dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)] };
  }
  return { [`Fn::${name}`]: value };
}

function optionalRecord(value: unknown, section: string): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) throw new TemplateFormatError(`The ${section} section must be an object.`);
  return value;
}

function scalarString(value: unknown): string {
  if (Array.isArray(value)) return value.map(scalarString).join(',');
  return String(value);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
