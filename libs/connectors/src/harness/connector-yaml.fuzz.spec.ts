import fc from 'fast-check';
import { stringify } from 'yaml';
import { validateConnectorSpec, SUPPORTED_TYPES } from '../catalog';
import { parseHarnessConnectorYaml } from './connector-yaml';

const runs = Number(process.env['FUZZ_RUNS'] ?? 1000);

describe('connector YAML and specs under hostile input (property-based)', () => {
  it('never throws on arbitrary text or documents; a refusal always names a field', () => {
    const doc = fc.record({ connector: fc.record({ name: fc.anything(), identifier: fc.anything(), type: fc.constantFrom(...SUPPORTED_TYPES, 'Nope'), spec: fc.anything() }, { requiredKeys: [] }) });
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 2000 }), fc.anything().map((v) => stringify(v) ?? ''), doc.map((v) => stringify(v))), (text) => {
        const result = parseHarnessConnectorYaml(text);
        if (!result.ok) {
          expect(result.errors.length).toBeGreaterThan(0);
          for (const error of result.errors) expect(error.message.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: runs },
    );
  });

  it('validates arbitrary specs for every type without throwing', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SUPPORTED_TYPES), fc.anything(), (type, spec) => {
        const result = validateConnectorSpec(type, spec);
        if (!result.ok) for (const issue of result.issues) expect(issue.path.startsWith('spec')).toBe(true);
      }),
      { numRuns: runs },
    );
  });
});
