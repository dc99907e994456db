// What the process runtime remembers about sandboxes and containers, kept on disk so a restarted
// shim finds them again (the role of containerd's metadata store or dockershim's checkpoints).
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerStateName, PodSandboxMetadata, PodSandboxStateName, StringMap } from '../cri/proto.ts';

export interface SandboxRecord {
  id: string;
  metadata: PodSandboxMetadata;
  hostname: string;
  state: PodSandboxStateName;
  createdAt: string;           // nanoseconds since the epoch
  labels: StringMap;
  annotations: StringMap;
  runtimeHandler: string;
}

export interface ContainerRecord {
  id: string;
  sandboxId: string;
  name: string;
  attempt: number;
  image: string;               // as the kubelet asked for it
  imageRef: string;
  imageId: string;
  argv: string[];
  env: StringMap;
  dir: string;                 // the container's own folder
  rootfs: string;              // <dir>/rootfs: stands in for the container's root filesystem
  workingDir: string;          // a host path inside rootfs
  logPath: string;
  labels: StringMap;
  annotations: StringMap;
  state: ContainerStateName;
  createdAt: string;
  startedAt: string;
  finishedAt: string;
  exitCode: number;
  reason: string;
  message: string;
  pid?: number;
}

const atomicWrite = (file: string, value: unknown): void => {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify(value, null, 2));
  renameSync(tmp, file);
};

export class RecordStore {
  readonly sandboxDir: string;
  readonly containerDir: string;

  constructor(readonly root: string) {
    this.sandboxDir = join(root, 'sandboxes');
    this.containerDir = join(root, 'containers');
    mkdirSync(this.sandboxDir, { recursive: true });
    mkdirSync(this.containerDir, { recursive: true });
  }

  saveSandbox(s: SandboxRecord): void { atomicWrite(join(this.sandboxDir, `${s.id}.json`), s); }
  deleteSandbox(id: string): void { rmSync(join(this.sandboxDir, `${id}.json`), { force: true }); }
  saveContainer(c: ContainerRecord): void { atomicWrite(join(c.dir, 'container.json'), c); }
  deleteContainer(c: ContainerRecord): void { rmSync(c.dir, { recursive: true, force: true }); }

  loadSandboxes(): SandboxRecord[] {
    return readdirSync(this.sandboxDir).filter((f) => f.endsWith('.json')).flatMap((f) => readJson<SandboxRecord>(join(this.sandboxDir, f)));
  }
  loadContainers(): ContainerRecord[] {
    return readdirSync(this.containerDir).flatMap((d) => readJson<ContainerRecord>(join(this.containerDir, d, 'container.json')));
  }
}

function readJson<T>(file: string): T[] {
  try { return [JSON.parse(readFileSync(file, 'utf8')) as T]; } catch { return []; }
}
