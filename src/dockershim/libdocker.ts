// The engine calls dockershim makes, typed with the Docker API's own field names
// (cri-dockerd libdocker/client.go DockerClientInterface, over moby's api/types).
import { DockerClient, type HijackedResponse } from './docker-client.ts';

export interface ContainerConfig {
  Hostname?: string;
  Image: string;
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Env?: string[];
  WorkingDir?: string;
  Labels?: Record<string, string>;
  OpenStdin?: boolean;
  StdinOnce?: boolean;
  Tty?: boolean;
  User?: string;             // "uid", "name", "uid:gid": resolved in the container's /etc/passwd and /etc/group
}
export interface HostConfig {
  IpcMode?: string;          // "shareable" for a sandbox, "container:<sandbox id>" for the pod's containers
  UTSMode?: string;
  NetworkMode?: string;
  PidMode?: string;
  Memory?: number;           // bytes, 0: none
  PidsLimit?: number;        // 0 or absent: none
  RestartPolicy?: { Name: string };
  GroupAdd?: string[];       // more supplementary groups (numbers here)
}

// GET /containers/{id}/json, the fields dockershim reads.
export interface ContainerJSON {
  Id: string;
  Name: string;              // "/k8s_web_nginx_default_<uid>_0"
  Created: string;           // RFC 3339 with nanoseconds
  Image: string;             // the image id
  Config: ContainerConfig & { Labels: Record<string, string> };
  HostConfig?: HostConfig;
  State: { Status: string; Running: boolean; Pid: number; ExitCode: number; StartedAt: string; FinishedAt: string; OOMKilled?: boolean; Error?: string };
}

// GET /containers/json, one row.
export interface ContainerSummary {
  Id: string;
  Names: string[];
  Image: string;
  ImageID: string;
  Created: number;           // unix seconds
  State: string;             // "running", "exited", "created"
  Status: string;            // "Up 3 seconds", "Exited (0) 2 seconds ago", "Created"
  Labels: Record<string, string>;
}

export interface ExecConfig { Cmd: string[]; AttachStdin: boolean; AttachStdout: boolean; AttachStderr: boolean; Tty: boolean; ConsoleSize?: [number, number] }
export interface ExecInspect { ID: string; Running: boolean; ExitCode: number | null; Pid: number; ContainerID: string }

export interface ImageSummary { Id: string; RepoTags: string[] | null; RepoDigests: string[] | null; Size: number; Created: number }
export interface ImageInspect extends ImageSummary { Config: { User?: string } | null }

export interface VersionInfo { Version: string; ApiVersion: string; MinAPIVersion?: string }

const enc = encodeURIComponent;

export class Libdocker {
  constructor(readonly client: DockerClient) {}

  get endpoint(): string { return this.client.endpoint; }

  version(): Promise<VersionInfo> { return this.client.call('GET', '/version'); }

  // ── containers ──────────────────────────────────────────────────────────
  async createContainer(name: string, config: ContainerConfig, hostConfig: HostConfig): Promise<string> {
    const res = await this.client.call<{ Id: string }>('POST', '/containers/create', { query: { name }, body: { ...config, HostConfig: hostConfig } });
    return res.Id;
  }
  startContainer(id: string): Promise<void> { return this.client.call('POST', `/containers/${enc(id)}/start`); }
  // The engine sends the stop signal, then SIGKILL after t seconds. The call may last that long: the deadline grows with it.
  stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    return this.client.call('POST', `/containers/${enc(id)}/stop`, { query: { t: timeoutSeconds }, timeoutMs: (timeoutSeconds + 120) * 1000 });
  }
  removeContainer(id: string, opts: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    return this.client.call('DELETE', `/containers/${enc(id)}`, { query: { force: opts.force ? 1 : undefined, v: opts.volumes ? 1 : undefined } });
  }
  inspectContainer(id: string): Promise<ContainerJSON> { return this.client.call('GET', `/containers/${enc(id)}/json`); }
  listContainers(opts: { all?: boolean; filters?: Record<string, string[]> } = {}): Promise<ContainerSummary[]> {
    const filters = opts.filters && Object.keys(opts.filters).length ? JSON.stringify(opts.filters) : undefined;
    return this.client.call('GET', '/containers/json', { query: { all: opts.all ? 1 : undefined, filters } });
  }

  // ── exec ────────────────────────────────────────────────────────────────
  async createExec(containerId: string, config: ExecConfig): Promise<string> {
    const res = await this.client.call<{ Id: string }>('POST', `/containers/${enc(containerId)}/exec`, { body: config });
    return res.Id;
  }
  startExec(execId: string, opts: { Detach: boolean; Tty: boolean; ConsoleSize?: [number, number] }): Promise<HijackedResponse> {
    return this.client.hijack(`/exec/${enc(execId)}/start`, opts);
  }
  resizeExecTTY(execId: string, height: number, width: number): Promise<void> {
    return this.client.call('POST', `/exec/${enc(execId)}/resize`, { query: { h: height, w: width } });
  }
  inspectExec(execId: string): Promise<ExecInspect> { return this.client.call('GET', `/exec/${enc(execId)}/json`); }

  // ── images ──────────────────────────────────────────────────────────────
  listImages(): Promise<ImageSummary[]> { return this.client.call('GET', '/images/json'); }
  inspectImageByRef(ref: string): Promise<ImageInspect> { return this.client.call('GET', `/images/${ref.split('/').map(enc).join('/')}/json`); }
  async pullImage(ref: string): Promise<void> {
    const { fromImage, tag } = splitTag(ref);
    await this.client.callStream('POST', '/images/create', { query: { fromImage, tag } });
  }
  removeImage(ref: string): Promise<unknown> { return this.client.call('DELETE', `/images/${ref.split('/').map(enc).join('/')}`); }
}

// "nginx:1.27" → nginx, 1.27; a registry host's port is not a tag ("host:5000/img").
export function splitTag(ref: string): { fromImage: string; tag: string } {
  const at = ref.indexOf('@');
  if (at >= 0) return { fromImage: ref.slice(0, at), tag: ref.slice(at + 1) };
  const colon = ref.lastIndexOf(':');
  if (colon > ref.lastIndexOf('/')) return { fromImage: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { fromImage: ref, tag: 'latest' };
}
