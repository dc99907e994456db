// The pod strategy: defaulting, validation and selectable fields (pkg/registry/core/pod/strategy.go, pkg/apis/core/v1/defaults.go, validation.ValidatePod).
import type { Container, Pod, PodSecurityContext, SecurityContext } from '../../api/types.ts';
import { podTable } from '../printers/pods.ts';
import type { RESTStrategy } from './strategy.ts';
import { metaFields } from './strategy.ts';
import { dns1123LabelErrors, duplicate, forbiddenField, invalidValue, notSupported, required } from './validation.ts';
import type { FieldError } from './validation.ts';

const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];

// SetDefaults_Container: "latest" (or no tag) means always pull.
function defaultPullPolicy(image = ''): string {
  const lastPart = image.split('/').pop() ?? '';
  const tag = lastPart.includes('@') ? 'digest' : lastPart.includes(':') ? lastPart.split(':').pop() : 'latest';
  return tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultContainer(c: Container): void {
  c.imagePullPolicy ??= defaultPullPolicy(c.image);
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  c.resources ??= {};
  for (const p of c.ports ?? []) p.protocol ??= 'TCP';
  // SetDefaults_ObjectFieldSelector: a fieldRef reads the v1 Pod unless it says otherwise.
  for (const e of c.env ?? []) if (e.valueFrom?.fieldRef) e.valueFrom.fieldRef.apiVersion ||= 'v1';
}

// #region pod-defaults
export function applyPodDefaults(pod: Pod): void {
  const spec = (pod.spec ??= { containers: [] });
  spec.containers ??= [];
  spec.restartPolicy ??= 'Always';
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.schedulerName ??= 'default-scheduler';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.securityContext ??= {};
  spec.enableServiceLinks ??= true;
  spec.preemptionPolicy ??= 'PreemptLowerPriority';
  spec.priority ??= 0;
  for (const c of spec.containers) defaultContainer(c);
  for (const c of spec.initContainers ?? []) defaultContainer(c);
}
// #endregion pod-defaults

// qos.GetPodQOS, reduced to the three answers: no requests or limits at all is BestEffort.
export function podQOSClass(pod: Pod): string {
  const all = [...pod.spec.containers, ...(pod.spec.initContainers ?? [])];
  const res = all.map((c) => (c.resources ?? {}) as { requests?: Record<string, string>; limits?: Record<string, string> });
  if (res.every((r) => !Object.keys(r.requests ?? {}).length && !Object.keys(r.limits ?? {}).length)) return 'BestEffort';
  const guaranteed = res.every((r) => ['cpu', 'memory'].every((k) => r.limits?.[k] && (r.requests?.[k] ?? r.limits[k]) === r.limits[k]));
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

// validateEnvVarValueFrom: what a container's env may read of its pod (validFieldPathExpressionsEnv).
const ENV_FIELD_PATHS = ['metadata.name', 'metadata.namespace', 'metadata.uid',
  'spec.nodeName', 'spec.serviceAccountName', 'status.hostIP', 'status.hostIPs', 'status.podIP', 'status.podIPs'];

// IsValidUserID, IsValidGroupID: what libcontainer accepts, 0 to 2^31-1 (apimachinery/pkg/util/validation).
const MAX_ID = 2147483647;
const idErrors = (field: string, id: number | undefined): FieldError[] =>
  id === undefined || (id >= 0 && id <= MAX_ID) ? [] : [invalidValue(field, id, `must be between 0 and ${MAX_ID}, inclusive`)];

// ValidateSecurityContext: a container's own user and group.
function validateSecurityContext(sc: SecurityContext | undefined, path: string): FieldError[] {
  if (!sc) return [];
  return [...idErrors(`${path}.runAsUser`, sc.runAsUser), ...idErrors(`${path}.runAsGroup`, sc.runAsGroup)];
}

// validatePodSpecSecurityContext: the pod's, fsGroup first, then each supplemental group by its index.
function validatePodSecurityContext(sc: PodSecurityContext | undefined, path: string): FieldError[] {
  if (!sc) return [];
  return [
    ...idErrors(`${path}.fsGroup`, sc.fsGroup),
    ...idErrors(`${path}.runAsUser`, sc.runAsUser),
    ...idErrors(`${path}.runAsGroup`, sc.runAsGroup),
    ...(sc.supplementalGroups ?? []).flatMap((g, i) => idErrors(`${path}.supplementalGroups[${i}]`, g)),
  ];
}

function validateContainers(list: Container[] | undefined, path: string, seen: Set<string>): FieldError[] {
  const errs: FieldError[] = [];
  (list ?? []).forEach((c, i) => {
    const f = `${path}[${i}]`;
    if (!c.name) errs.push(required(`${f}.name`));
    else {
      errs.push(...dns1123LabelErrors(`${f}.name`, c.name));
      if (seen.has(c.name)) errs.push(duplicate(`${f}.name`, c.name));
      seen.add(c.name);
    }
    if (!c.image) errs.push(required(`${f}.image`));
    if (c.command !== undefined && !Array.isArray(c.command)) errs.push(required(`${f}.command`, 'must be a list of strings'));
    (c.env ?? []).forEach((e, j) => {
      const path = e.valueFrom?.fieldRef?.fieldPath;
      if (path === undefined || ENV_FIELD_PATHS.includes(path) || /^metadata\.(labels|annotations)\['.+'\]$/.test(path)) return;
      errs.push(notSupported(`${f}.env[${j}].valueFrom.fieldRef.fieldPath`, path, ENV_FIELD_PATHS));
    });
    errs.push(...validateSecurityContext(c.securityContext, `${f}.securityContext`));
  });
  return errs;
}

export function validatePodSpec(pod: Pod): FieldError[] {
  const spec = pod.spec;
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  if (!spec.containers?.length) errs.push(required('spec.containers'));
  errs.push(...validateContainers(spec.containers, 'spec.containers', seen));
  errs.push(...validateContainers(spec.initContainers, 'spec.initContainers', seen));
  if (!RESTART_POLICIES.includes(spec.restartPolicy ?? '')) errs.push(notSupported('spec.restartPolicy', spec.restartPolicy, RESTART_POLICIES));
  if (!DNS_POLICIES.includes(spec.dnsPolicy ?? '')) errs.push(notSupported('spec.dnsPolicy', spec.dnsPolicy, DNS_POLICIES));
  errs.push(...validatePodSecurityContext(spec.securityContext, 'spec.securityContext'));
  return errs;
}

// Only images (and a few fields we do not model) may change in a running pod's spec.
function withoutImages(pod: Pod): string {
  const spec = structuredClone(pod.spec);
  for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) delete c.image;
  delete spec.activeDeadlineSeconds;
  delete spec.tolerations;
  return JSON.stringify(spec, Object.keys(spec).sort());
}

// #region check-graceful-delete
// podStrategy.CheckGracefulDelete: the grace period asked for, else the pod's own (30 s by default). A pod
// no node runs (unscheduled) or whose containers have all finished (Succeeded, Failed) has nothing to stop: 0.
export function podGracePeriod(pod: Pod, requested: number | undefined): number {
  let period = requested ?? pod.spec.terminationGracePeriodSeconds ?? 0;
  if (!pod.spec.nodeName) period = 0;
  if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') period = 0;
  return period < 0 ? 1 : period;
}
// #endregion check-graceful-delete

export const podStrategy: RESTStrategy<Pod> = {
  resource: 'pods',
  singular: 'pod',
  kind: 'Pod',
  shortNames: ['po'],
  namespaced: true,
  prepareForCreate(pod) {
    applyPodDefaults(pod);
    // Status is the kubelet's to write; whatever the client sent is replaced (podStrategy.PrepareForCreate).
    pod.status = { phase: 'Pending', qosClass: podQOSClass(pod) };
  },
  validate: validatePodSpec,
  prepareForUpdate(pod, old) {
    applyPodDefaults(pod);
    pod.status = old.status;
  },
  validateUpdate(pod, old) {
    const errs = validatePodSpec(pod);
    if (!errs.length && withoutImages(pod) !== withoutImages(old)) {
      errs.push(forbiddenField('spec', 'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)'));
    }
    return errs;
  },
  checkGracefulDelete: podGracePeriod,
  selectableFields: (pod) => ({
    ...metaFields(pod.metadata, true),
    'spec.nodeName': pod.spec.nodeName ?? '',
    'spec.restartPolicy': pod.spec.restartPolicy ?? '',
    'spec.schedulerName': pod.spec.schedulerName ?? '',
    'spec.serviceAccountName': (pod.spec.serviceAccountName as string | undefined) ?? '',
    'spec.hostNetwork': String(Boolean((pod.spec.securityContext as { hostNetwork?: boolean } | undefined)?.hostNetwork ?? pod.spec.hostNetwork)),
    'status.phase': pod.status?.phase ?? '',
    'status.podIP': pod.status?.podIPs?.[0]?.ip ?? pod.status?.podIP ?? '',
    'status.nominatedNodeName': (pod.status as { nominatedNodeName?: string } | undefined)?.nominatedNodeName ?? '',
  }),
  fieldLabels: ['metadata.name', 'metadata.namespace', 'spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName',
  'spec.serviceAccountName', 'spec.hostNetwork', 'status.phase', 'status.podIP', 'status.nominatedNodeName'],
  table: podTable,
};
