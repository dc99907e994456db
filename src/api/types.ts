// The API objects this book serves, trimmed to the fields we use (k8s.io/api/core/v1/types.go).

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string | null;
  deletionTimestamp?: string;            // when a graceful delete ends: set by the server, never by a client
  deletionGracePeriodSeconds?: number;   // the grace period that deletion was given
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];     // who owns this object (a node's Lease is owned by its Node)
}

export interface OwnerReference { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean; blockOwnerDeletion?: boolean }

export interface TypeMeta { kind?: string; apiVersion?: string }

export interface ContainerPort { containerPort: number; protocol?: string; name?: string }
// valueFrom.fieldRef is the downward API: a field of the pod itself (spec.nodeName, metadata.name...).
export interface EnvVarSource { fieldRef?: { apiVersion?: string; fieldPath: string }; configMapKeyRef?: unknown; secretKeyRef?: unknown; resourceFieldRef?: unknown }
export interface EnvVar { name: string; value?: string; valueFrom?: EnvVarSource }

export interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  workingDir?: string;
  ports?: ContainerPort[];
  resources?: Record<string, unknown>;
  stdin?: boolean;
  tty?: boolean;
  imagePullPolicy?: string;
  terminationMessagePath?: string;
  terminationMessagePolicy?: string;
  securityContext?: SecurityContext;
}

// The user and groups a container's processes run as (SecurityContext, PodSecurityContext in core/v1 types.go),
// trimmed to the ids: a container's own runAsUser and runAsGroup override the pod's.
export interface SecurityContext {
  runAsUser?: number;
  runAsGroup?: number;
  [extra: string]: unknown;
}
export interface PodSecurityContext extends SecurityContext {
  supplementalGroups?: number[];
  fsGroup?: number;                      // a supplementary group every container gets, owner of the pod's volumes
}

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  nodeName?: string;
  serviceAccountName?: string;
  restartPolicy?: 'Always' | 'OnFailure' | 'Never';
  dnsPolicy?: string;
  schedulerName?: string;
  terminationGracePeriodSeconds?: number;
  securityContext?: PodSecurityContext;
  [extra: string]: unknown;
}

export interface ContainerState {
  waiting?: { reason?: string; message?: string };
  running?: { startedAt?: string };
  terminated?: { exitCode: number; reason?: string; message?: string; startedAt?: string; finishedAt?: string; containerID?: string };
}

export interface ContainerStatus {
  name: string;
  ready: boolean;
  restartCount: number;
  image: string;
  imageID: string;
  containerID?: string;
  started?: boolean;
  state: ContainerState;
  lastState?: ContainerState;
}

export interface PodCondition { type: string; status: 'True' | 'False' | 'Unknown'; lastProbeTime?: string | null; lastTransitionTime?: string; reason?: string; message?: string }

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

export interface PodStatus {
  phase?: PodPhase;
  conditions?: PodCondition[];
  hostIP?: string;
  podIP?: string;
  podIPs?: { ip: string }[];
  startTime?: string;
  containerStatuses?: ContainerStatus[];
  message?: string;
  reason?: string;
  qosClass?: string;
}

export interface Pod extends TypeMeta { metadata: ObjectMeta; spec: PodSpec; status?: PodStatus }

export interface NodeAddress { type: 'Hostname' | 'InternalIP' | 'ExternalIP' | 'InternalDNS' | 'ExternalDNS'; address: string }
export interface NodeCondition { type: string; status: 'True' | 'False' | 'Unknown'; lastHeartbeatTime?: string; lastTransitionTime?: string; reason?: string; message?: string }

export interface NodeStatus {
  addresses?: NodeAddress[];
  conditions?: NodeCondition[];
  daemonEndpoints?: { kubeletEndpoint?: { Port: number } };
  nodeInfo?: { kubeletVersion?: string; containerRuntimeVersion?: string; operatingSystem?: string; architecture?: string; [k: string]: string | undefined };
  capacity?: Record<string, string>;
  allocatable?: Record<string, string>;
}

export interface Node extends TypeMeta { metadata: ObjectMeta; spec?: { podCIDR?: string; unschedulable?: boolean; taints?: unknown[] }; status?: NodeStatus }

export interface Namespace extends TypeMeta { metadata: ObjectMeta; spec?: { finalizers?: string[] }; status?: { phase?: 'Active' | 'Terminating' } }

// coordination.k8s.io/v1 Lease: the kubelet's heartbeat in kube-node-lease, one per node, named after it.
export interface LeaseSpec { holderIdentity?: string; leaseDurationSeconds?: number; acquireTime?: string; renewTime?: string; leaseTransitions?: number }
export interface Lease extends TypeMeta { metadata: ObjectMeta; spec?: LeaseSpec }

// A core/v1 Event (only what is listed: nothing in the workbook writes one yet).
export interface Event extends TypeMeta { metadata: ObjectMeta; involvedObject?: { kind?: string; namespace?: string; name?: string; uid?: string }; reason?: string; message?: string; type?: string }

// v1 Binding: the scheduler's write to pods/binding.
export interface Binding extends TypeMeta { metadata: ObjectMeta; target: { kind?: string; apiVersion?: string; name: string } }

export interface ListMeta { resourceVersion?: string; continue?: string }
export interface List<T> extends TypeMeta { metadata: ListMeta; items: T[] }

// A watch event as the API server streams it (one JSON object per line).
export interface WatchEvent<T> { type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR'; object: T }
