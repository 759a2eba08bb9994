import { isAlias, isMap, isScalar, isSeq, type Node, parseDocument } from 'yaml';
import { CFN_TAGS } from '../../src/cfn-yaml-tags.js';

export class TemplateParseError extends Error {
  readonly code = 'template_parse';
}

/** A CloudFormation YAML template as plain JSON-like data, short tags in their long form. */
export function parseCfnYaml(text: string): Record<string, unknown> {
  const doc = parseDocument(text, { customTags: CFN_TAGS, uniqueKeys: true });
  const first = doc.errors[0];
  if (first) throw new TemplateParseError(first.message);
  const unknownTag = doc.warnings.find((w) => w.code === 'TAG_RESOLVE_FAILED');
  if (unknownTag) throw new TemplateParseError(unknownTag.message);
  const plain = toPlain(doc.contents as Node | null);
  if (plain === null || typeof plain !== 'object' || Array.isArray(plain)) {
    throw new TemplateParseError('A template is a mapping.');
  }
  return plain as Record<string, unknown>;
}

function toPlain(node: Node | null | undefined): unknown {
  if (node === null || node === undefined) return null;
  if (isAlias(node)) throw new TemplateParseError('CloudFormation does not accept YAML aliases.');
  let value: unknown;
  if (isScalar(node)) value = node.value;
  else if (isSeq(node)) value = node.items.map((item) => toPlain(item as Node));
  else if (isMap(node)) {
    const out: Record<string, unknown> = {};
    for (const pair of node.items) {
      out[String(isScalar(pair.key) ? pair.key.value : pair.key)] = toPlain(pair.value as Node | null);
    }
    value = out;
  } else return null;
  const tag = node.tag;
  if (tag === undefined || !tag.startsWith('!') || tag.startsWith('!!')) return value;
  const name = tag.slice(1);
  if (name === 'Ref' || name === 'Condition') return { [name]: value };
  if (name === 'GetAtt' && typeof value === 'string') {
    const dot = value.indexOf('.');
    return { 'Fn::GetAtt': [value.slice(0, dot), value.slice(dot + 1)] };
  }
  return { [`Fn::${name}`]: value };
}
