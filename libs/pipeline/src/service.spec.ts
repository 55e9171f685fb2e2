import { parsePipelineYaml } from './parse';
import { stringifyPipelineYaml } from './stringify';

const deploy = (service: string) => `pipeline:
  name: Ship
  stages:
    - name: Deploy
      type: deploy
      spec:
${service}
        environment:
          name: production
          deploy-to: prod
        connector: org.k8s
`;

const MANIFESTS = `        service:
          name: web
          manifests: |
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
            spec:
              replicas: 2
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: web-config
              namespace: shared
            data:
              mode: prod`;

describe('deploy stage service: a name, or a name with the manifests that deploy it', () => {
  it('keeps the example’s plain service name, with no manifests', () => {
    const parsed = parsePipelineYaml(deploy('        service: my_service'));
    expect(parsed.ok && parsed.pipeline.stages[0]?.spec).toEqual({ service: 'my_service', environment: { name: 'production', deployTo: 'prod' }, connector: 'org.k8s' });
  });

  it('reads inline manifests, and writes them back in the same shape', () => {
    const parsed = parsePipelineYaml(deploy(MANIFESTS));
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const stage = parsed.pipeline.stages[0];
    expect(stage?.type === 'deploy' && stage.spec.service).toBe('web');
    expect(stage?.type === 'deploy' && stage.spec.manifests).toContain('kind: Deployment\nmetadata:\n  name: web\n');
    const again = parsePipelineYaml(stringifyPipelineYaml(parsed.pipeline));
    expect(again.ok && again.pipeline).toEqual(parsed.pipeline);
  });

  it('names the manifest that is not a Kubernetes object, at its YAML path', () => {
    const parsed = parsePipelineYaml(deploy('        service:\n          name: web\n          manifests: |\n            apiVersion: v1\n            kind: ConfigMap\n            ---\n            just text'));
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors.map((e) => `${e.path}: ${e.message}`)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^stages\[0\]\.spec\.service\.manifests: manifest 1 is not a Kubernetes object/)]),
    );
  });
});
