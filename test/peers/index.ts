// Test peers for connector tests: real servers started as child processes on loopback, and
// stand-ins for APIs that cannot run here. Each `startX()` returns what a test needs and a `stop()`.
export { startSshd, type SshdPeer } from './sshd';
export { startGitHttp, type GitHttpPeer, type GitHttpPeerOptions } from './git-http';
export { startRegistry, type RegistryPeer } from './registry';
export { startPrometheus, type PrometheusPeer, type PrometheusPeerOptions } from './prometheus';
export { startNginxMtls, type NginxMtlsPeer } from './nginx-mtls';
export { startHelmRepo, type HelmRepoPeer } from './helm-repo';
export { README_CONTENT, type SeededRepository } from './git-repo';

export { REDACTED } from './support';
export { type RecordedRequest, type StandIn } from './stand-in';
export { startVault, type VaultStandIn, type VaultOptions, type VaultMount } from './vault';
export {
  startKubernetes,
  type KubernetesStandIn,
  type KubernetesStandInOptions,
  type AppliedObject,
} from './kubernetes';
export { startAws, type AwsStandIn, type AwsStandInOptions } from './aws';
export { startGitHub, type GitHubStandIn } from './github';
export { startGitLab, type GitLabStandIn } from './gitlab';
export { startBitbucket, type BitbucketStandIn } from './bitbucket';
export { startSlack, type SlackStandIn } from './slack';
export { startTeams, type TeamsStandIn } from './teams';
export { startPagerDuty, type PagerDutyStandIn } from './pagerduty';
export { startJira, type JiraStandIn } from './jira';
export { startServiceNow, type ServiceNowStandIn } from './servicenow';
export { startDatadog, type DatadogStandIn } from './datadog';
export { startSplunk, type SplunkStandIn } from './splunk';
export { startNewRelic, type NewRelicStandIn } from './newrelic';
export { startGcp, type GcpStandIn, type ServiceAccountKey } from './gcp';
export { startAzure, type AzureStandIn } from './azure';
export { startArtifactory, type ArtifactoryStandIn } from './artifactory';
export { startNexus, type NexusStandIn } from './nexus';
export { startAzureDevOps, type AzureDevOpsStandIn } from './azure-devops';
