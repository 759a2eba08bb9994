// Reads and sets the RootDirectory of one ECS task definition volume in a CloudFormation
// template by splicing the template text at the source offsets the `yaml` parser reports, so that
// every other byte (comments, quoting, key order, short tags, line endings) stays as it was.
// The document is never re-stringified. JSON templates are supported too: JSON is YAML's flow
// style, and an inserted key copies the quoting of its sibling keys.

import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  type Node,
  type Pair,
  parseDocument,
  type Scalar,
  type YAMLMap,
} from 'yaml';
import { CFN_TAGS } from '../cfn-yaml-tags.js';
import { normaliseRoot } from './names.js';

export type TemplateEditErrorCode =
  | 'template_parse_error'
  | 'invalid_volume_name'
  | 'invalid_root'
  | 'volume_not_found'
  | 'ambiguous_volume'
  | 'no_efs_configuration'
  | 'root_not_plain'
  | 'access_point_in_use'
  | 'edit_failed';

export class TemplateEditError extends Error {
  constructor(
    readonly code: TemplateEditErrorCode,
    message: string,
    /** For `ambiguous_volume`: the task definitions (logical ids) that declare the volume. */
    readonly matches: readonly string[] = [],
  ) {
    super(message);
    this.name = 'TemplateEditError';
  }
}

export interface VolumeRoot {
  /** The RootDirectory in force, normalised (normaliseRoot): '/' when the key is absent. */
  root: string;
  /** Present when the template writes it without a leading slash, as the infra repo does. */
  relative?: true;
  /** Whether the template states RootDirectory (false: absent, ECS uses '/'). */
  explicit: boolean;
  /** Logical id of the task definition resource that declares the volume. */
  taskDefinition: string;
  /** The resource FilesystemId refers to with `!Ref X` or `{ Ref: X }`. */
  fileSystemRef?: string;
  /** FilesystemId when the template gives it as a literal id. */
  fileSystemId?: string;
}

export interface RootEdit {
  /** The whole template with only the RootDirectory line changed or inserted. */
  text: string;
  /** The root before the edit, normalised ('/' when RootDirectory was absent). */
  previousRoot: string;
  /** False when the template already had `newRoot`: `text` is then the input unchanged. */
  changed: boolean;
  taskDefinition: string;
  fileSystemRef?: string;
  fileSystemId?: string;
}

/** An ECS volume name: letters, digits, hyphens, underscores, up to 255. */
const VOLUME_NAME = /^[A-Za-z0-9_-]{1,255}$/;
/** '/' or an absolute path of plain components; no '.', '..', spaces, quotes or shell syntax. */
const ROOT_DIRECTORY = /^(?:\/|(?:\/[A-Za-z0-9_][A-Za-z0-9._-]*)+)$/;
const MAX_ROOT_LENGTH = 4096;

interface Located {
  taskDefinition: string;
  efs: YAMLMap.Parsed;
  rootPair?: Pair<unknown, unknown>;
  fileSystemPair?: Pair<unknown, unknown>;
  fileSystemRef?: string;
  fileSystemId?: string;
}

export function readVolumeRootDirectory(templateText: string, volumeName: string): VolumeRoot {
  const found = locate(templateText, volumeName);
  const root = found.rootPair ? literalRoot(found.rootPair) : undefined;
  return {
    root: normaliseRoot(root?.value),
    explicit: root !== undefined,
    ...(root !== undefined && !root.value.startsWith('/') ? { relative: true as const } : {}),
    taskDefinition: found.taskDefinition,
    ...refs(found),
  };
}

export function setVolumeRootDirectory(templateText: string, volumeName: string, newRoot: string): RootEdit {
  if (typeof newRoot !== 'string' || newRoot.length > MAX_ROOT_LENGTH || !ROOT_DIRECTORY.test(newRoot)) {
    throw new TemplateEditError(
      'invalid_root',
      `The new RootDirectory ${JSON.stringify(String(newRoot).slice(0, 120))} is not an absolute path made of letters, digits, '.', '_' and '-'.`,
    );
  }
  const found = locate(templateText, volumeName);
  if (newRoot !== '/' && hasAccessPoint(found.efs)) {
    throw new TemplateEditError(
      'access_point_in_use',
      `Volume ${volumeName} mounts through an EFS access point (AuthorizationConfig.AccessPointId); ECS then requires RootDirectory to be absent or '/', and the access point's own path applies.`,
    );
  }
  const base = { taskDefinition: found.taskDefinition, ...refs(found) };

  let text: string;
  let previousRoot: string;
  if (found.rootPair) {
    const current = literalRoot(found.rootPair);
    previousRoot = normaliseRoot(current.value);
    if (previousRoot === newRoot) return { text: templateText, previousRoot, changed: false, ...base };
    // Keep the template's own style: a root written without the leading slash stays that way.
    const written = current.value.startsWith('/') || newRoot === '/' ? newRoot : newRoot.slice(1);
    const [start, end] = current.node.range;
    text = templateText.slice(0, start) + quoteLike(current.node, written) + templateText.slice(end);
  } else {
    previousRoot = '/';
    if (newRoot === '/') return { text: templateText, previousRoot, changed: false, ...base };
    text = insertRoot(templateText, found, newRoot);
  }

  // The splice is checked by reading it back: a template we cannot re-read exactly is never deployed.
  let check: VolumeRoot;
  try {
    check = readVolumeRootDirectory(text, volumeName);
  } catch (error) {
    throw new TemplateEditError(
      'edit_failed',
      `The edited template does not read back: ${(error as Error).message}`,
    );
  }
  if (check.root !== newRoot || check.taskDefinition !== found.taskDefinition) {
    throw new TemplateEditError(
      'edit_failed',
      `The edited template reads back RootDirectory ${check.root}, not ${newRoot}.`,
    );
  }
  return { text, previousRoot, changed: true, ...base };
}

/**
 * The ECS services (logical ids) whose TaskDefinition is `!Ref <taskDefinition>` (or
 * `{ Ref: … }`): the only services that can run the chat-db volume, so the only ones the bot
 * needs to describe, and the only ones its role may describe.
 */
export function servicesOfTaskDefinition(templateText: string, taskDefinition: string): string[] {
  const doc = parseDocument(templateText, { customTags: CFN_TAGS, uniqueKeys: true });
  const resources = isMap(doc.contents) ? mapGet(doc.contents, 'Resources') : undefined;
  if (!isMap(resources)) return [];
  const out: string[] = [];
  for (const resource of resources.items) {
    const body = resource.value;
    if (!isMap(body) || stringValue(mapGet(body, 'Type')) !== 'AWS::ECS::Service') continue;
    const properties = mapGet(body, 'Properties');
    const ref = isMap(properties) ? refTarget(mapGet(properties, 'TaskDefinition')) : undefined;
    if (ref === taskDefinition && isScalar(resource.key)) out.push(String(resource.key.value));
  }
  return out;
}

function refTarget(node: Node | undefined): string | undefined {
  if (isScalar(node) && node.tag === '!Ref' && typeof node.value === 'string') return node.value;
  if (isMap(node) && node.items.length === 1) return stringValue(mapGet(node, 'Ref'));
  return undefined;
}

function locate(templateText: string, volumeName: string): Located {
  if (typeof volumeName !== 'string' || !VOLUME_NAME.test(volumeName)) {
    throw new TemplateEditError(
      'invalid_volume_name',
      `${JSON.stringify(String(volumeName).slice(0, 120))} is not an ECS volume name.`,
    );
  }
  const doc = parseDocument(templateText, { customTags: CFN_TAGS, uniqueKeys: true });
  const firstError = doc.errors[0];
  if (firstError) {
    throw new TemplateEditError(
      'template_parse_error',
      `The template is not valid YAML: ${firstError.message}`,
    );
  }
  const resources = isMap(doc.contents) ? mapGet(doc.contents, 'Resources') : undefined;
  if (!isMap(resources)) {
    throw new TemplateEditError('volume_not_found', 'The template has no Resources section.');
  }

  const matches: Located[] = [];
  for (const resource of resources.items) {
    const logicalId = isScalar(resource.key) ? String(resource.key.value) : '';
    const body = resource.value;
    if (!isMap(body) || stringValue(mapGet(body, 'Type')) !== 'AWS::ECS::TaskDefinition') continue;
    const properties = mapGet(body, 'Properties');
    const volumes = isMap(properties) ? mapGet(properties, 'Volumes') : undefined;
    if (!isSeq(volumes)) continue;
    for (const volume of volumes.items) {
      if (!isMap(volume) || stringValue(mapGet(volume, 'Name')) !== volumeName) continue;
      matches.push(describeVolume(logicalId, volume as YAMLMap.Parsed, volumeName));
    }
  }

  if (matches.length === 0) {
    throw new TemplateEditError(
      'volume_not_found',
      `No ECS task definition in the template has a volume named ${volumeName}.`,
    );
  }
  if (matches.length > 1) {
    const ids = matches.map((m) => m.taskDefinition);
    throw new TemplateEditError(
      'ambiguous_volume',
      `${matches.length} volumes named ${volumeName} (in ${ids.join(', ')}); refusing to guess which one is the database.`,
      ids,
    );
  }
  return matches[0] as Located;
}

function describeVolume(taskDefinition: string, volume: YAMLMap.Parsed, volumeName: string): Located {
  const efs = mapGet(volume, 'EFSVolumeConfiguration');
  if (!isMap(efs) || efs.tag !== undefined) {
    throw new TemplateEditError(
      'no_efs_configuration',
      efs === undefined
        ? `Volume ${volumeName} in ${taskDefinition} has no EFSVolumeConfiguration.`
        : `Volume ${volumeName} in ${taskDefinition} has an EFSVolumeConfiguration that is not a literal mapping.`,
    );
  }
  const map = efs as YAMLMap.Parsed;
  const located: Located = { taskDefinition, efs: map };
  for (const pair of map.items) {
    if (!isScalar(pair.key)) continue;
    if (pair.key.value === 'RootDirectory') located.rootPair = pair;
    if (pair.key.value === 'FilesystemId') {
      located.fileSystemPair = pair;
      const value = pair.value;
      if (isScalar(value) && value.tag === '!Ref' && typeof value.value === 'string') {
        located.fileSystemRef = value.value;
      } else if (isScalar(value) && value.tag === undefined && typeof value.value === 'string') {
        located.fileSystemId = value.value;
      } else if (isMap(value) && value.items.length === 1) {
        const ref = stringValue(mapGet(value, 'Ref'));
        if (ref !== undefined) located.fileSystemRef = ref;
      }
    }
  }
  return located;
}

function literalRoot(pair: Pair<unknown, unknown>): { value: string; node: Scalar.Parsed } {
  const node = pair.value as Node | null;
  const refuse = (what: string): never => {
    throw new TemplateEditError(
      'root_not_plain',
      `RootDirectory is ${what}. The bot only edits a literal path; make it a plain path in the template first.`,
    );
  };
  if (node === null || node === undefined) return refuse('empty');
  if (isAlias(node)) return refuse(`an alias (*${node.source})`);
  if (!isScalar(node)) return refuse('a collection');
  if (node.tag !== undefined) return refuse(`an expression (${node.tag} …) that CloudFormation evaluates`);
  if (node.anchor) return refuse(`anchored (&${node.anchor}) and may be shared`);
  if (node.type !== 'PLAIN' && node.type !== 'QUOTE_DOUBLE' && node.type !== 'QUOTE_SINGLE') {
    return refuse('a block scalar');
  }
  if (typeof node.value !== 'string') return refuse(`not a string (${String(node.value)})`);
  return { value: node.value, node: node as Scalar.Parsed };
}

function quoteLike(node: Scalar, value: string): string {
  // ROOT_DIRECTORY admits no quote or escape characters, so wrapping needs no escaping.
  if (node.type === 'QUOTE_DOUBLE') return `"${value}"`;
  if (node.type === 'QUOTE_SINGLE') return `'${value}'`;
  return value;
}

function insertRoot(text: string, found: Located, newRoot: string): string {
  const { efs } = found;
  const items = efs.items as Pair<Node | null, Node | null>[];
  const sibling =
    (found.fileSystemPair as Pair<Node | null, Node | null> | undefined) ?? items[items.length - 1];
  const quoted = isScalar(sibling?.key) && sibling.key.type === 'QUOTE_DOUBLE';
  const entry = quoted ? `"RootDirectory": "${newRoot}"` : `RootDirectory: ${newRoot}`;

  if (!efs.flow) {
    const anchor = sibling as Pair<Node, Node | null>;
    const indent = lineIndent(text, anchor.key.range?.[0] ?? 0);
    const at = lineEndAfter(text, endOf(anchor));
    if (at === undefined) return `${text}${eolOf(text, text.length)}${indent}${entry}`;
    return `${text.slice(0, at)}${indent}${entry}${eolOf(text, at)}${text.slice(at)}`;
  }

  if (sibling === undefined) {
    const open = text.indexOf('{', efs.range[0]);
    return `${text.slice(0, open + 1)} ${entry} ${text.slice(open + 1)}`;
  }
  // A flow mapping written one entry per line gets its own line after FilesystemId, comma-first
  // neighbours aside; anything else gets the entry appended after the last one on its line.
  const anchorIndex = items.indexOf(sibling);
  const next = items[anchorIndex + 1];
  const anchorEnd = endOf(sibling as Pair<Node, Node | null>);
  const lineBreak = text.indexOf('\n', anchorEnd);
  if (next && lineBreak !== -1 && /^[ \t]*,[ \t]*(#.*)?\r?$/.test(text.slice(anchorEnd, lineBreak))) {
    const indent = lineIndent(text, (sibling.key as Node).range?.[0] ?? 0);
    const nextStart = (next.key as Node | null)?.range?.[0] ?? -1;
    if (nextStart > lineBreak && /^[ \t]*$/.test(indent)) {
      const at = lineBreak + 1;
      return `${text.slice(0, at)}${indent}${entry},${eolOf(text, at)}${text.slice(at)}`;
    }
  }
  const last = items[items.length - 1] as Pair<Node, Node | null>;
  const at = endOf(last);
  return `${text.slice(0, at)}, ${entry}${text.slice(at)}`;
}

/** Offset just past a pair's value (or its key, when the value is empty). */
function endOf(pair: Pair<Node, Node | null>): number {
  return pair.value?.range?.[1] ?? pair.key.range?.[1] ?? 0;
}

/** The start of the line after the one holding `offset`; block values already end at one. */
function lineEndAfter(text: string, offset: number): number | undefined {
  if (offset > 0 && text[offset - 1] === '\n') return offset;
  const lineBreak = text.indexOf('\n', offset);
  return lineBreak === -1 ? undefined : lineBreak + 1;
}

function lineIndent(text: string, offset: number): string {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  return text.slice(start, offset).replace(/[^ \t]/g, ' ');
}

/** The line ending used by the line that ends at or before `offset` (or the file's first one). */
function eolOf(text: string, offset: number): string {
  const lineBreak = offset > 0 && text[offset - 1] === '\n' ? offset - 1 : text.indexOf('\n');
  if (lineBreak === -1) return '\n';
  return lineBreak > 0 && text[lineBreak - 1] === '\r' ? '\r\n' : '\n';
}

function hasAccessPoint(efs: YAMLMap): boolean {
  const auth = mapGet(efs, 'AuthorizationConfig');
  return isMap(auth) && mapGet(auth, 'AccessPointId') !== undefined;
}

function refs(found: Located): { fileSystemRef?: string; fileSystemId?: string } {
  return {
    ...(found.fileSystemRef !== undefined ? { fileSystemRef: found.fileSystemRef } : {}),
    ...(found.fileSystemId !== undefined ? { fileSystemId: found.fileSystemId } : {}),
  };
}

function mapGet(map: YAMLMap, key: string): Node | undefined {
  for (const pair of map.items) {
    if (isScalar(pair.key) && pair.key.value === key) return (pair.value ?? undefined) as Node | undefined;
  }
  return undefined;
}

function stringValue(node: Node | undefined): string | undefined {
  return isScalar(node) && node.tag === undefined && typeof node.value === 'string' ? node.value : undefined;
}
