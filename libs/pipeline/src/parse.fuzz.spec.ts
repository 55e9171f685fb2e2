import fc from 'fast-check';
import { stringify } from 'yaml';
import { parsePipelineYaml } from './parse';
import { parseSecretExpressions } from './expressions';

const runs = Number(process.env['FUZZ_RUNS'] ?? 1000);

describe('pipeline YAML and secret expressions under hostile input (property-based)', () => {
  it('never throws on arbitrary text or arbitrary YAML documents; every error has a path and a message', () => {
    const pipelineish = fc.record({
      pipeline: fc.record(
        {
          name: fc.oneof(fc.string(), fc.anything()),
          stages: fc.array(
            fc.record({ name: fc.string(), type: fc.constantFrom('ci', 'deploy', 'other'), spec: fc.anything() }, { requiredKeys: [] }),
            { maxLength: 4 },
          ),
        },
        { requiredKeys: [] },
      ),
    });
    const input = fc.oneof(fc.string({ maxLength: 2000 }), fc.anything().map((v) => stringify(v) ?? ''), pipelineish.map((v) => stringify(v)));
    fc.assert(
      fc.property(input, (text) => {
        const result = parsePipelineYaml(text);
        if (!result.ok) {
          expect(result.errors.length).toBeGreaterThan(0);
          for (const error of result.errors) {
            expect(typeof error.path).toBe('string');
            expect(error.message.length).toBeGreaterThan(0);
          }
        }
      }),
      { numRuns: runs },
    );
  });

  it('never throws when scanning text for secret expressions', () => {
    const text = fc.oneof(
      fc.string(),
      fc.tuple(fc.string(), fc.constantFrom('<+secrets.getValue(', '<+secrets.getValue("', '")>', "')>", '<+', '\\"'), fc.string()).map((parts) => parts.join('')),
    );
    fc.assert(
      fc.property(text, (value) => {
        const { expressions, errors } = parseSecretExpressions(value);
        expect(Array.isArray(expressions) && Array.isArray(errors)).toBe(true);
      }),
      { numRuns: runs },
    );
  });
});
