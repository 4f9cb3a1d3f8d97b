// Policies drawn from small sets of keys, endpoints and group names, so that names, patterns and endpoints meet
// often: the property tests of the claim index and of the compiled policy share them.
import fc from 'fast-check';

export const policyKey = fc.constantFrom('a', 'b', 'a-b', 'a-c', 'b-a', 'a-*', '*-a', '*', 'b-*', 'a-b-*');

/** A group's entry: an endpoint of its own, or a multi-model endpoint it may share. */
export const endpointEntry = fc.oneof(
  fc.constantFrom('e1', 'a-b-x', 'a-x', '{group}-x', 'x-{group}', '{group}').map((endpointName) => ({ endpointName })),
  fc
    .constantFrom('mme', 'e1', '{group}-mme')
    .map((endpointName) => ({ multiModel: { endpointName, modelPrefix: 's3://models/p/' } })),
);

export const lookedUpGroup = fc.constantFrom(
  'a',
  'b',
  'a-b',
  'a-c',
  'b-a',
  'a-x',
  'x',
  'e1',
  'mme',
  'a-b-x',
  'b-b',
  'a-b-c',
);
