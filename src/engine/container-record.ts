// What the engine remembers about a container, in Docker's own field names, on disk as
// <root>/containers/<id>/config.v2.json (moby container.Container and its CheckpointTo), so that `docker ps -a`
// survives an engine restart; and the views `docker inspect` and `docker ps` get of it.
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ContainerConfig {
  Hostname: string;
  User: string;
  Env: string[];
  Cmd: string[] | null;
  Entrypoint: string[] | null;
  Image: string;               // as the client named it
  WorkingDir: string;
  Labels: Record<string, string>;
  Tty: boolean;
  OpenStdin: boolean;
  StdinOnce: boolean;
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  StopSignal?: string;
  StopTimeout?: number;
}

export interface HostConfig {
  Memory: number;
  PidsLimit: number | null;
  IpcMode: string;
  UTSMode: string;
  NetworkMode: string;
  AutoRemove: boolean;
  ConsoleSize?: [number, number];   // [height, width]: the terminal's first size (docker run -t sends it)
  GroupAdd?: string[] | null;       // more supplementary groups, names or gids (docker run --group-add)
}

export type StateStatus = 'created' | 'running' | 'exited' | 'removing' | 'dead';

export interface ContainerState {
  Status: StateStatus;
  Running: boolean;
  Paused: boolean;
  Restarting: boolean;
  OOMKilled: boolean;
  Dead: boolean;
  Pid: number;
  ExitCode: number;
  Error: string;
  StartedAt: string;           // RFC 3339; Go's zero time until the first start
  FinishedAt: string;
}

export interface ContainerRecord {
  ID: string;
  Name: string;                // "/name"
  Created: string;
  Path: string;
  Args: string[];
  Image: string;               // the image's id, "sha256:…"
  Config: ContainerConfig;
  HostConfig: HostConfig;
  State: ContainerState;
  LogPath: string;
  Namespaces: string[];        // ours: the namespaces the backend gave its init (empty for host processes)
}

export const ZERO_TIME = '0001-01-01T00:00:00Z';

export function newState(): ContainerState {
  return { Status: 'created', Running: false, Paused: false, Restarting: false, OOMKilled: false, Dead: false,
    Pid: 0, ExitCode: 0, Error: '', StartedAt: ZERO_TIME, FinishedAt: ZERO_TIME };
}

export const containerDir = (root: string, id: string) => join(root, 'containers', id);

// Written whole and renamed, so a crash leaves the old record or the new one, never half of one.
export function saveRecord(root: string, rec: ContainerRecord): void {
  const dir = containerDir(root, rec.ID);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'config.v2.json');
  writeFileSync(`${file}.tmp`, JSON.stringify(rec));
  renameSync(`${file}.tmp`, file);
}

export function loadRecords(root: string): ContainerRecord[] {
  let ids: string[];
  try { ids = readdirSync(join(root, 'containers')); } catch { return []; }
  return ids.filter((id) => /^[0-9a-f]{64}$/.test(id)).flatMap((id) => {
    try { return [JSON.parse(readFileSync(join(containerDir(root, id), 'config.v2.json'), 'utf8')) as ContainerRecord]; }
    catch { return []; }
  });
}

// "Up 3 seconds", "Exited (0) 2 minutes ago", "Created": `docker ps`'s STATUS column, written by the engine
// (moby container.State.String with units.HumanDuration).
export function humanDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 1) return 'Less than a second';
  if (s === 1) return '1 second';
  if (s < 60) return `${s} seconds`;
  const m = Math.round(s / 60);
  if (m === 1) return 'About a minute';
  if (m < 60) return `${m} minutes`;
  const h = Math.round(s / 3600);
  if (h === 1) return 'About an hour';
  if (h < 48) return `${h} hours`;
  return `${Math.round(h / 24)} days`;
}

export function statusText(st: ContainerState, now = Date.now()): string {
  if (st.Running) return `Up ${humanDuration(now - Date.parse(st.StartedAt))}`;
  if (st.Status === 'removing') return 'Removal In Progress';
  if (st.Status === 'created') return 'Created';
  return `Exited (${st.ExitCode}) ${humanDuration(now - Date.parse(st.FinishedAt))} ago`;
}

// GET /containers/json: one row.
export function summaryOf(rec: ContainerRecord, imageName: string) {
  return {
    Id: rec.ID,
    Names: [rec.Name],
    Image: imageName,
    ImageID: rec.Image,
    // container/view.go: an argument holding a space in single quotes
    Command: [rec.Path, ...rec.Args.map((a) => (a.includes(' ') ? `'${a}'` : a))].join(' '),
    Created: Math.floor(Date.parse(rec.Created) / 1000),
    Ports: [],
    Labels: rec.Config.Labels,
    State: rec.State.Status,
    Status: statusText(rec.State),
    HostConfig: { NetworkMode: rec.HostConfig.NetworkMode },
    NetworkSettings: { Networks: {} },
    Mounts: [],
  };
}

// GET /containers/{id}/json.
export function inspectOf(rec: ContainerRecord) {
  return {
    Id: rec.ID,
    Created: rec.Created,
    Path: rec.Path,
    Args: rec.Args,
    State: rec.State,
    Image: rec.Image,
    ResolvConfPath: '',
    HostnamePath: '',
    HostsPath: '',
    LogPath: rec.LogPath,
    Name: rec.Name,
    RestartCount: 0,
    Driver: rec.Namespaces.length ? 'overlay2' : 'vfs',
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: null as string[] | null,
    HostConfig: { ...rec.HostConfig, GroupAdd: rec.HostConfig.GroupAdd ?? null, LogConfig: { Type: 'json-file', Config: {} }, RestartPolicy: { Name: 'no', MaximumRetryCount: 0 } },
    GraphDriver: { Name: rec.Namespaces.length ? 'overlay2' : 'vfs', Data: null },
    Mounts: [],
    Config: rec.Config,
    NetworkSettings: { Networks: {}, Ports: {}, SandboxKey: '', IPAddress: '' },
  };
}
