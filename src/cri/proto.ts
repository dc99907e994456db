// Loads runtime.v1 from api.proto for grpc-js, and types the messages we use (cri-api pkg/apis/runtime/v1/api.pb.go).
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

export const CRI_PROTO = fileURLToPath(new URL('./api.proto', import.meta.url));

// keepCase: fields stay snake_case on both sides, as on the wire; without it grpc-js silently
// drops snake_case keys we return. longs as strings: nanosecond timestamps do not fit a double.
export const LOADER_OPTIONS: protoLoader.Options = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };

export const packageDefinition = protoLoader.loadSync(CRI_PROTO, LOADER_OPTIONS);

interface RuntimeV1 {
  RuntimeService: grpc.ServiceClientConstructor;
  ImageService: grpc.ServiceClientConstructor;
}
export const runtimeV1 = (grpc.loadPackageDefinition(packageDefinition) as unknown as { runtime: { v1: RuntimeV1 } }).runtime.v1;

// int64 fields arrive as decimal strings (longs: String); we may send numbers or strings.
export type Int64 = string | number;
export type StringMap = Record<string, string>;

export type ContainerStateName = 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';
export type PodSandboxStateName = 'SANDBOX_READY' | 'SANDBOX_NOTREADY';

export interface VersionResponse { version: string; runtime_name: string; runtime_version: string; runtime_api_version: string }

export interface PodSandboxMetadata { name: string; uid: string; namespace: string; attempt: number }
export interface PodSandboxConfig {
  metadata?: PodSandboxMetadata | null;
  hostname?: string;
  log_directory?: string;
  labels?: StringMap;
  annotations?: StringMap;
}
export interface PodSandbox {
  id: string; metadata: PodSandboxMetadata | null; state: PodSandboxStateName; created_at: Int64;
  labels: StringMap; annotations: StringMap; runtime_handler: string;
}
export interface PodSandboxStatus extends PodSandbox { network: { ip: string; additional_ips: { ip: string }[] } | null }
export interface PodSandboxFilter { id?: string; state?: { state: PodSandboxStateName } | null; label_selector?: StringMap }

export interface ImageSpec { image: string; annotations?: StringMap; user_specified_image?: string; runtime_handler?: string; image_ref?: string }
export interface KeyValue { key: string; value: string }
export interface ContainerMetadata { name: string; attempt: number }
export interface ContainerConfig {
  metadata?: ContainerMetadata | null;
  image?: ImageSpec | null;
  command?: string[];
  args?: string[];
  working_dir?: string;
  envs?: KeyValue[];
  labels?: StringMap;
  annotations?: StringMap;
  log_path?: string;
  stdin?: boolean;
  stdin_once?: boolean;
  tty?: boolean;
  linux?: LinuxContainerConfig | null;
}
export interface Int64Value { value: Int64 }
export interface LinuxContainerSecurityContext {
  run_as_user?: Int64Value | null;     // null: unset (0 is root)
  run_as_username?: string;
  supplemental_groups?: Int64[];
  run_as_group?: Int64Value | null;
}
export interface LinuxContainerConfig {
  resources?: { memory_limit_in_bytes?: Int64 } | null;
  security_context?: LinuxContainerSecurityContext | null;
}
export interface Container {
  id: string; pod_sandbox_id: string; metadata: ContainerMetadata | null; image: ImageSpec | null; image_ref: string;
  state: ContainerStateName; created_at: Int64; labels: StringMap; annotations: StringMap; image_id: string;
}
export interface ContainerFilter { id?: string; state?: { state: ContainerStateName } | null; pod_sandbox_id?: string; label_selector?: StringMap }
export interface ContainerStatus {
  id: string; metadata: ContainerMetadata | null; state: ContainerStateName;
  created_at: Int64; started_at: Int64; finished_at: Int64; exit_code: number;
  image: ImageSpec | null; image_ref: string; reason: string; message: string;
  labels: StringMap; annotations: StringMap; log_path: string; image_id: string;
}
export interface ContainerStatusResponse { status: ContainerStatus | null; info: StringMap }

export interface ExecSyncRequest { container_id: string; cmd: string[]; timeout?: Int64 }
export interface ExecSyncResponse { stdout: Buffer; stderr: Buffer; exit_code: number }
export interface ExecRequest { container_id: string; cmd: string[]; tty: boolean; stdin: boolean; stdout: boolean; stderr: boolean }
export interface AttachRequest { container_id: string; stdin: boolean; tty: boolean; stdout: boolean; stderr: boolean }
export interface PortForwardRequest { pod_sandbox_id: string; port: number[] }

export interface Image { id: string; repo_tags: string[]; repo_digests: string[]; size: Int64; uid?: Int64Value | null; username: string; spec: ImageSpec | null; pinned: boolean }

// Nanoseconds since the epoch, as CRI timestamps are; a string keeps every digit.
export function nowNanos(ms = Date.now()): string {
  return (BigInt(Math.round(ms)) * 1_000_000n).toString();
}
export function nanosToDate(n: Int64): Date | undefined {
  const big = BigInt(n || 0);
  return big === 0n ? undefined : new Date(Number(big / 1_000_000n));
}
