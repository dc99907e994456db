// kubectl describe pod, the sections a reader of these chapters meets, in kubectl's layout
// (kubectl/pkg/describe/describe.go: describePod, describeContainers, describeStatus, describeContainerEnvVars).
import type { Container, ContainerState, ContainerStatus, EnvVar, Event, Pod } from '../../api/types.ts';
import { humanDuration } from '../printers/table-printer.ts';
import { describeEvents, PrefixWriter, printAnnotationsMultiline, printLabelsMultiline, rfc1123z } from './writer.ts';

// EnvValueRetriever: kubectl resolves only the metadata fields (fieldpath.ExtractFieldPathAsString); others print empty.
function envValue(pod: Pod, e: EnvVar): string {
  const path = e.valueFrom?.fieldRef?.fieldPath ?? '';
  const sub = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(path);
  if (sub) return (sub[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations)?.[sub[2]!] ?? '';
  const meta: Record<string, string | undefined> = { 'metadata.name': pod.metadata.name, 'metadata.namespace': pod.metadata.namespace, 'metadata.uid': pod.metadata.uid };
  return meta[path] ?? '';
}

function describeStatus(w: PrefixWriter, name: string, state: ContainerState): void {
  if (state.running) {
    w.write(2, `${name}:\tRunning\n`);
    w.write(3, `Started:\t${rfc1123z(state.running.startedAt)}\n`);
  } else if (state.waiting) {
    w.write(2, `${name}:\tWaiting\n`);
    if (state.waiting.reason) w.write(3, `Reason:\t${state.waiting.reason}\n`);
  } else if (state.terminated) {
    const t = state.terminated;
    w.write(2, `${name}:\tTerminated\n`);
    if (t.reason) w.write(3, `Reason:\t${t.reason}\n`);
    if (t.message) w.write(3, `Message:\t${t.message}\n`);
    w.write(3, `Exit Code:\t${t.exitCode}\n`);
    w.write(3, `Started:\t${rfc1123z(t.startedAt)}\n`);
    w.write(3, `Finished:\t${rfc1123z(t.finishedAt)}\n`);
  } else w.write(2, `${name}:\tWaiting\n`);
}

function describeContainer(w: PrefixWriter, pod: Pod, c: Container, status: ContainerStatus | undefined): void {
  w.write(1, `${c.name}:\n`);
  if (status) w.write(2, `Container ID:\t${status.containerID ?? ''}\n`);
  w.write(2, `Image:\t${c.image ?? ''}\n`);
  if (status) w.write(2, `Image ID:\t${status.imageID}\n`);
  const ports = (c.ports ?? []).map((p) => `${p.containerPort}/${p.protocol ?? 'TCP'}`).join(', ') || '<none>';
  const hostPorts = (c.ports ?? []).map((p) => `${(p as { hostPort?: number }).hostPort ?? 0}/${p.protocol ?? 'TCP'}`).join(', ') || '<none>';
  w.write(2, `${ports.includes(',') ? 'Ports' : 'Port'}:\t${ports}\n`);
  w.write(2, `${hostPorts.includes(',') ? 'Host Ports' : 'Host Port'}:\t${hostPorts}\n`);
  for (const [title, list] of [['Command', c.command], ['Args', c.args]] as const) {
    if (!list?.length) continue;
    w.write(2, `${title}:\n`);
    for (const part of list) for (const line of part.split('\n')) w.write(3, `${line}\n`);
  }
  if (status) {
    describeStatus(w, 'State', status.state);
    if (status.lastState?.terminated) describeStatus(w, 'Last State', status.lastState);
    w.write(2, `Ready:\t${status.ready ? 'True' : 'False'}\n`);
    w.write(2, `Restart Count:\t${status.restartCount}\n`);
  }
  // describeResources: limits, then requests, each sorted by name.
  const resources = (c.resources ?? {}) as { limits?: Record<string, string>; requests?: Record<string, string> };
  for (const [title, list] of [['Limits', resources.limits], ['Requests', resources.requests]] as const) {
    if (!list || !Object.keys(list).length) continue;
    w.write(2, `${title}:\n`);
    for (const name of Object.keys(list).sort()) w.write(3, `${name}:\t${list[name]}\n`);
  }
  w.write(2, `Environment:${c.env?.length ? '' : '\t<none>'}\n`);
  for (const e of c.env ?? []) {
    if (e.valueFrom?.fieldRef) {
      w.write(3, `${e.name}:\t${envValue(pod, e)} (${e.valueFrom.fieldRef.apiVersion ?? ''}:${e.valueFrom.fieldRef.fieldPath})\n`);
    } else if (e.valueFrom) {
      w.write(3, `${e.name}:\t<set to a ${Object.keys(e.valueFrom)[0]}>\n`);
    } else {
      (e.value ?? '').split('\n').forEach((line, i) => w.write(3, i === 0 ? `${e.name}:\t${line}\n` : `\t${line}\n`));
    }
  }
  w.write(2, 'Mounts:\t<none>\n');
}

export function describePod(pod: Pod, events: Event[] | undefined, now = Date.now()): string {
  const w = new PrefixWriter();
  const { metadata: m, spec, status = {} } = pod;
  w.write(0, `Name:\t${m.name}\n`);
  w.write(0, `Namespace:\t${m.namespace}\n`);
  if (spec.priority !== undefined) w.write(0, `Priority:\t${spec.priority}\n`);
  if (spec.serviceAccountName) w.write(0, `Service Account:\t${spec.serviceAccountName}\n`);
  w.write(0, `Node:\t${spec.nodeName ? `${spec.nodeName}/${status.hostIP ?? ''}` : '<none>'}\n`);
  if (status.startTime) w.write(0, `Start Time:\t${rfc1123z(status.startTime)}\n`);
  printLabelsMultiline(w, 'Labels', m.labels);
  printAnnotationsMultiline(w, 'Annotations', m.annotations);
  if (m.deletionTimestamp) {
    // translateTimestampUntil: how long the graceful deletion has left.
    w.write(0, `Status:\tTerminating (lasts ${humanDuration(Date.parse(m.deletionTimestamp) - now)})\n`);
    w.write(0, `Termination Grace Period:\t${m.deletionGracePeriodSeconds ?? 0}s\n`);
  } else w.write(0, `Status:\t${status.phase ?? ''}\n`);
  if (status.reason) w.write(0, `Reason:\t${status.reason}\n`);
  if (status.message) w.write(0, `Message:\t${status.message}\n`);
  w.write(0, `IP:\t${status.podIP ?? ''}\n`);
  const ips = status.podIPs ?? [];
  if (ips.length === 0) w.write(0, 'IPs:\t<none>\n');
  else { w.write(0, 'IPs:\n'); for (const ip of ips) w.write(1, `IP:\t${ip.ip}\n`); }
  const statuses = new Map((status.containerStatuses ?? []).map((s) => [s.name, s]));
  w.write(0, 'Containers:\n');
  for (const c of spec.containers) describeContainer(w, pod, c, statuses.get(c.name));
  if (status.conditions?.length) {
    w.write(0, 'Conditions:\n  Type\tStatus\n');
    for (const c of status.conditions) w.write(1, `${c.type} \t${c.status} \n`);
  }
  w.write(0, 'Volumes:\t<none>\n');
  w.write(0, `QoS Class:\t${status.qosClass ?? 'BestEffort'}\n`);
  printLabelsMultiline(w, 'Node-Selectors', spec.nodeSelector as Record<string, string> | undefined);
  w.write(0, 'Tolerations:\t<none>\n');
  describeEvents(w, events, now);
  return w.toString();
}
