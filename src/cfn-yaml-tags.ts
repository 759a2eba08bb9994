// CloudFormation's short-form intrinsics (`!Ref`, `!Sub`, …) as custom tags for the `yaml`
// package, each in every node kind it can take. They only let a template parse without "unresolved
// tag" warnings; a tagged node resolves to itself and keeps its tag for whoever reads it. Shared by
// the bot's template edit, the simulator's template reader and the deploy template's tests.

import type { CollectionTag, ScalarTag } from 'yaml';

export const CFN_SHORT_TAGS = [
  'And',
  'Base64',
  'Cidr',
  'Condition',
  'Equals',
  'FindInMap',
  'ForEach',
  'GetAtt',
  'GetAZs',
  'If',
  'ImportValue',
  'Join',
  'Length',
  'Not',
  'Or',
  'Ref',
  'Select',
  'Split',
  'Sub',
  'ToJsonString',
  'Transform',
] as const;

export const CFN_TAGS: (ScalarTag | CollectionTag)[] = CFN_SHORT_TAGS.flatMap((name) => [
  { tag: `!${name}`, resolve: (value: string) => value } satisfies ScalarTag,
  { tag: `!${name}`, collection: 'seq', resolve: (node: unknown) => node } as CollectionTag,
  { tag: `!${name}`, collection: 'map', resolve: (node: unknown) => node } as CollectionTag,
]);
