// The process runtime behind the shim: a container is a long-running host process in a folder of its own
// (the role runc and the engine play under containerd or cri-dockerd; chapter 6 swaps in real namespaces).
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import type { ContainerConfig, ContainerFilter, ContainerStateName, LinuxContainerSecurityContext, PodSandboxConfig, PodSandboxFilter, StringMap } from '../cri/proto.ts';
import { nowNanos } from '../cri/proto.ts';
import { GrpcCode, grpcError, invalidArgument, notFound, plainError } from '../cri/grpc-status.ts';
import { ContainerSessions } from '../exec/process-groups.ts';
import { resolveImage } from './image-catalog.ts';
import { RecordStore, type ContainerRecord, type SandboxRecord } from './records.ts';
import { exitCodeOf, spawnBound } from './spawn.ts';

const newId = () => randomBytes(32).toString('hex'); // 64 hex digits, as docker and containerd ids

function matchesLabels(labels: StringMap, selector: StringMap | undefined): boolean {
  return Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try { process.kill(-pid, signal); } catch { /* already gone */ }
}

export class ProcessRuntime {
  private readonly store: RecordStore;
  private readonly sandboxes = new Map<string, SandboxRecord>();
  private readonly containers = new Map<string, ContainerRecord>();
  private readonly children = new Map<string, { child: ChildProcess; exited: Promise<void>; stopped: AbortController }>();

  constructor(readonly root: string, private readonly log: (line: string) => void = () => {}) {
    this.store = new RecordStore(root);
    for (const s of this.store.loadSandboxes()) this.sandboxes.set(s.id, s);
    for (const c of this.store.loadContainers()) {
      // A container still marked running belonged to a shim that died without stopping it. We cannot
      // wait for a process we did not start, so we end it and say why, instead of leaving an orphan: its
      // main process died with the shim (parent-death signal), and what it and its execs started is ended
      // from the sessions they recorded (pid reuse guarded by start times).
      this.sessions(c).end();
      if (c.state === 'CONTAINER_RUNNING') {
        Object.assign(c, { state: 'CONTAINER_EXITED', exitCode: 137, finishedAt: nowNanos(), reason: 'Error', message: 'runtime shim restarted: container killed' });
        this.store.saveContainer(c);
      }
      this.containers.set(c.id, c);
    }
  }

  // ── sandboxes ────────────────────────────────────────────────────────────
  runPodSandbox(config: PodSandboxConfig | null | undefined, runtimeHandler = ''): string {
    const md = config?.metadata;
    if (!config || !md?.name || !md.namespace || !md.uid) throw invalidArgument('PodSandboxConfig.Metadata: name, namespace and uid are required');
    if (runtimeHandler) throw invalidArgument(`unknown runtime handler "${runtimeHandler}"`);
    const s: SandboxRecord = {
      id: newId(), metadata: { name: md.name, namespace: md.namespace, uid: md.uid, attempt: md.attempt ?? 0 },
      hostname: config.hostname || md.name, state: 'SANDBOX_READY', createdAt: nowNanos(),
      labels: { ...config.labels }, annotations: { ...config.annotations }, runtimeHandler,
    };
    this.sandboxes.set(s.id, s);
    this.store.saveSandbox(s);
    this.log(`sandbox ${s.id.slice(0, 13)} for ${md.namespace}/${md.name} ready`);
    return s.id;
  }

  sandbox(id: string): SandboxRecord {
    if (!id) throw invalidArgument('pod sandbox id is required');
    const s = this.sandboxes.get(id);
    if (!s) throw notFound(`pod sandbox "${id}" not found`);
    return s;
  }

  // Idempotent, as the CRI requires: stopping what is gone or already stopped succeeds.
  async stopPodSandbox(id: string): Promise<void> {
    if (!id) throw invalidArgument('pod sandbox id is required');
    const s = this.sandboxes.get(id);
    if (!s) return;
    await Promise.all([...this.containers.values()].filter((c) => c.sandboxId === id).map((c) => this.stopContainer(c.id, 0)));
    s.state = 'SANDBOX_NOTREADY';
    this.store.saveSandbox(s);
  }

  async removePodSandbox(id: string): Promise<void> {
    if (!id) throw invalidArgument('pod sandbox id is required');
    if (!this.sandboxes.has(id)) return;
    await Promise.all([...this.containers.values()].filter((c) => c.sandboxId === id).map((c) => this.removeContainer(c.id)));
    this.sandboxes.delete(id);
    this.store.deleteSandbox(id);
  }

  listPodSandbox(filter: PodSandboxFilter | null | undefined): SandboxRecord[] {
    return [...this.sandboxes.values()].filter((s) =>
      (!filter?.id || s.id === filter.id) &&
      (!filter?.state || s.state === filter.state.state) &&
      matchesLabels(s.labels, filter?.label_selector));
  }

  // ── containers ───────────────────────────────────────────────────────────
  // A process runtime has no container user: every process runs as the shim's own user, which cannot take on
  // another uid and still write the shim's files. The pod's user and groups are ignored, and the log says so.
  private warnIdentity(name: string, sc: LinuxContainerSecurityContext | null | undefined): void {
    const own = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
    const uid = sc?.run_as_user ? Number(sc.run_as_user.value) : undefined;
    const gid = sc?.run_as_group ? Number(sc.run_as_group.value) : undefined;
    const groups = (sc?.supplemental_groups ?? []).map(Number);
    if ((uid === undefined || uid === own.uid) && (gid === undefined || gid === own.gid) && !groups.length && !sc?.run_as_username) return;
    const asked = [uid !== undefined ? `uid ${uid}` : sc?.run_as_username ? `user ${sc.run_as_username}` : '', gid !== undefined ? `gid ${gid}` : '',
      groups.length ? `groups ${groups.join(',')}` : ''].filter(Boolean).join(', ');
    this.log(`container ${name}: security context ignored (${asked}): runs as the shim's uid ${own.uid}, gid ${own.gid}`);
  }

  createContainer(sandboxId: string, config: ContainerConfig | null | undefined): string {
    const s = this.sandbox(sandboxId);
    if (s.state !== 'SANDBOX_READY') throw plainError(`pod sandbox "${sandboxId}" is not ready`);
    const name = config?.metadata?.name;
    if (!name) throw invalidArgument('ContainerConfig.Metadata.Name is required');
    const attempt = config.metadata?.attempt ?? 0;
    if ([...this.containers.values()].some((c) => c.sandboxId === sandboxId && c.name === name && c.attempt === attempt)) {
      throw grpcError(GrpcCode.ALREADY_EXISTS, `container "${name}" attempt ${attempt} already exists in pod sandbox "${sandboxId}"`);
    }
    const image = resolveImage(config.image?.image ?? '');
    if (!image) throw notFound(`image "${config.image?.image ?? ''}" not present: pull it first`);
    const command = config.command ?? [];
    const args = config.args ?? [];
    // Kubernetes' rule: command replaces the image's Entrypoint, args replace its Cmd,
    // and a command given without args drops the image's Cmd.
    const argv = [...(command.length ? command : image.config.entrypoint), ...(args.length ? args : command.length ? [] : image.config.cmd)];
    if (argv.length === 0) throw invalidArgument('no command specified');

    const id = newId();
    this.warnIdentity(name, config.linux?.security_context);
    const dir = join(this.store.containerDir, id);
    const rootfs = join(dir, 'rootfs');
    const wd = config.working_dir || image.config.workingDir;
    if (!wd.startsWith('/')) throw invalidArgument(`working_dir "${wd}" must be an absolute path`);
    const workingDir = resolve(rootfs, `.${wd}`);
    if (workingDir !== rootfs && !workingDir.startsWith(rootfs + sep)) throw invalidArgument(`working_dir "${wd}" escapes the container`);
    mkdirSync(workingDir, { recursive: true });
    mkdirSync(join(rootfs, 'root'), { recursive: true });

    const env: StringMap = {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      HOSTNAME: s.hostname,
      HOME: join(rootfs, 'root'),
      ...image.config.env,
      ...Object.fromEntries((config.envs ?? []).map((kv) => [kv.key, kv.value])),
    };
    const c: ContainerRecord = {
      id, sandboxId, name, attempt, image: image.ref, imageRef: image.repoDigest, imageId: image.id,
      argv, env, dir, rootfs, workingDir, logPath: join(dir, 'container.log'),
      labels: { ...config.labels }, annotations: { ...config.annotations },
      state: 'CONTAINER_CREATED', createdAt: nowNanos(), startedAt: '0', finishedAt: '0', exitCode: 0, reason: '', message: '',
    };
    this.containers.set(id, c);
    this.store.saveContainer(c);
    return id;
  }

  container(id: string): ContainerRecord {
    if (!id) throw invalidArgument('container id is required');
    const exact = this.containers.get(id);
    if (exact) return exact;
    // A unique prefix names a container too, as crictl's and docker's short ids do.
    const matches = id.length >= 4 ? [...this.containers.values()].filter((c) => c.id.startsWith(id)) : [];
    if (matches.length === 1) return matches[0]!;
    throw notFound(`container "${id}" not found`);
  }

  async startContainer(id: string): Promise<void> {
    const c = this.container(id);
    if (c.state !== 'CONTAINER_CREATED') throw plainError(`container "${c.id}" is in ${c.state} state, not CONTAINER_CREATED`);
    const logFd = openSync(c.logPath, 'a');
    let child: ChildProcess;
    try {
      child = spawnBound(c.argv, { cwd: c.workingDir, env: c.env, detached: true, stdio: ['ignore', logFd, logFd] });
      await new Promise<void>((ok, fail) => { child.once('spawn', ok); child.once('error', fail); });
    } catch (err) {
      closeSync(logFd);
      Object.assign(c, { state: 'CONTAINER_EXITED', exitCode: 128, finishedAt: nowNanos(), reason: 'StartError', message: (err as Error).message });
      this.store.saveContainer(c);
      throw grpcError(GrpcCode.UNKNOWN, `failed to start container "${c.id}": ${c.message}`);
    }
    closeSync(logFd); // the child holds its own copy
    const sessions = this.sessions(c);
    sessions.open();
    sessions.add(child.pid!);
    Object.assign(c, { state: 'CONTAINER_RUNNING', startedAt: nowNanos(), pid: child.pid });
    this.store.saveContainer(c);
    const stopped = new AbortController();
    const exited = new Promise<void>((done) => {
      child.once('exit', (code, signal) => {
        const exitCode = exitCodeOf(code, signal);
        // As when a pid namespace's init dies: whatever the container or an exec in it started ends with it.
        sessions.end();
        stopped.abort();
        Object.assign(c, { state: 'CONTAINER_EXITED', exitCode, finishedAt: nowNanos(), reason: exitCode === 0 ? 'Completed' : 'Error', pid: undefined });
        if (this.containers.get(c.id) === c) this.store.saveContainer(c);
        this.children.delete(c.id);
        this.log(`container ${c.id.slice(0, 13)} (${c.name}) exited with code ${exitCode}`);
        done();
      });
    });
    this.children.set(c.id, { child, exited, stopped });
    this.log(`container ${c.id.slice(0, 13)} (${c.name}) started: pid ${child.pid}, argv ${JSON.stringify(c.argv)}`);
  }

  // SIGTERM to the container's process group, SIGKILL after `timeout` seconds (0: at once, as the CRI says).
  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    const c = this.container(id);
    const running = this.children.get(c.id);
    if (!running || !c.pid) return;
    const pid = c.pid;
    if (timeoutSeconds > 0) {
      killGroup(pid, 'SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        running.exited.then(() => false),
        new Promise<boolean>((r) => { timer = setTimeout(() => r(true), timeoutSeconds * 1000); }),
      ]);
      clearTimeout(timer);
      if (!timedOut) { killGroup(pid, 'SIGKILL'); return; } // and whatever the main process left behind
    }
    killGroup(pid, 'SIGKILL');
    await running.exited;
  }

  async removeContainer(id: string): Promise<void> {
    let c: ContainerRecord;
    try { c = this.container(id); } catch { return; } // idempotent
    await this.stopContainer(c.id, 0);
    this.containers.delete(c.id);
    this.store.deleteContainer(c);
  }

  listContainers(filter: ContainerFilter | null | undefined): ContainerRecord[] {
    return [...this.containers.values()].filter((c) =>
      (!filter?.id || c.id.startsWith(filter.id)) &&
      (!filter?.state || c.state === filter.state.state) &&
      (!filter?.pod_sandbox_id || c.sandboxId === filter.pod_sandbox_id) &&
      matchesLabels(c.labels, filter?.label_selector));
  }

  // Where and how a command runs inside a running container: the seam exec uses. A stopped one is a plain
  // error, hence Unknown, as cri-dockerd's libdocker.CheckContainerStatus returns it.
  runningContainer(id: string): ContainerRecord {
    const c = this.container(id);
    if (c.state !== 'CONTAINER_RUNNING') throw plainError(`container not running (${c.id})`);
    return c;
  }

  state(id: string): ContainerStateName { return this.container(id).state; }

  // Where the sessions of a container's processes are recorded (see exec/process-groups.ts): its main process's,
  // and each exec's, so that they all end with the container.
  sessions(c: ContainerRecord): ContainerSessions { return new ContainerSessions(join(c.dir, 'sessions')); }

  // Fires when the container's main process exits (already fired if it is not running): exec sessions end then.
  stoppedSignal(id: string): AbortSignal {
    const c = this.containers.get(id) ?? [...this.containers.values()].find((x) => id.length >= 4 && x.id.startsWith(id));
    return (c && this.children.get(c.id)?.stopped.signal) || AbortSignal.abort();
  }

  // Kills every container process: the shim owns them, and a checkpoint leaves no orphans.
  async close(): Promise<void> {
    await Promise.all([...this.children.keys()].map((id) => this.stopContainer(id, 0)));
  }
}
