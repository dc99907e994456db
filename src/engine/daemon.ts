// The daemon's containers: create, start, stop, kill, wait, remove, and their output fanned out to the json-file log
// and to attached clients (moby daemon/create.go, start.go, stop.go, kill.go, wait.go, delete.go, monitor.go).
import { randomBytes } from 'node:crypto';
import { constants } from 'node:os';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { ContainerBackend, ContainerProcess, ContainerSpec, ExitStatus } from './backend.ts';
import type { ImageStore } from './image-store.ts';
import { Events } from './events.ts';
import { drained } from './exec-stream.ts';
import { JsonLog } from './json-log.ts';
import { containerDir, loadRecords, newState, saveRecord, type ContainerConfig, type ContainerRecord, type HostConfig } from './container-record.ts';
import { conflict, containerNotRunning, EngineError, invalidParameter, noSuchContainer, noSuchImage, notModified } from './errors.ts';
import { generateName, validateName } from './names.ts';
import { parseSignal } from './signals.ts';
import { top, validatePSArgs, type TopResponse } from './top.ts';
import { familiarString, InvalidReferenceError, parseNormalizedNamed, withDefaultTag } from './images/reference.ts';
import { UnknownUserError } from './linux/user.ts';

// Where an attached client (docker run, docker attach) gets a container's output. false from write: wait for onDrain.
export interface OutputSink {
  write(stream: 'stdout' | 'stderr', chunk: Buffer): boolean;
  onDrain(resume: () => void): void;
  end(): void;
}

export interface Container {
  rec: ContainerRecord;
  dir: string;
  log: JsonLog;
  spec?: ContainerSpec;
  proc?: ContainerProcess;
  sinks: Set<OutputSink>;
  exitWaiters: ((code: number) => void)[];
  removeWaiters: ((code: number) => void)[];
  startWaiters: (() => void)[];
  starting?: boolean;             // a start is under way: a second one is refused, as dockerd's container lock does
}

export interface DaemonOptions {
  root: string;                   // <state>/<name>
  backend: ContainerBackend;
  images: ImageStore;
  log: (line: string) => void;
}

// HostConfig.ConsoleSize / an exec's ConsoleSize: [height, width], the terminal's first size (API 1.42+).
export function consoleSizeOf(v: unknown): { height: number; width: number } | undefined {
  if (!Array.isArray(v) || v.length !== 2) return undefined;
  const [h, w] = v.map(Number);
  if (!Number.isInteger(h) || !Number.isInteger(w) || h! <= 0 || w! <= 0 || h! > 0xffff || w! > 0xffff) return undefined;
  return { height: h!, width: w! };
}

const list = (v: unknown): string[] | null => (v == null ? null : typeof v === 'string' ? [v] : Array.isArray(v) ? v.map(String) : null);
const now = () => new Date().toISOString();
const osSignals = constants.signals as Record<string, number>;

export class Daemon {
  readonly containers = new Map<string, Container>();
  private names = new Map<string, string>();   // "/name" → id
  readonly events = new Events();

  constructor(readonly opts: DaemonOptions) {}

  event(c: Container, action: string, extra: Record<string, string> = {}): void {
    this.events.log(action, { id: c.rec.ID, name: c.rec.Name.slice(1), image: c.rec.Config.Image }, extra);
  }

  // At start: whatever a predecessor killed hard left running is ended, and its containers are marked exited
  // (255, as dockerd marks the containers it finds dead after a crash or reboot).
  async restore(): Promise<void> {
    await this.opts.backend.recover(this.opts.root);
    for (const rec of loadRecords(this.opts.root)) {
      if (rec.State.Running || rec.State.Status === 'removing') {
        Object.assign(rec.State, { Status: 'exited', Running: false, Pid: 0, ExitCode: 255, FinishedAt: now() });
        saveRecord(this.opts.root, rec);
      }
      const dir = containerDir(this.opts.root, rec.ID);
      this.containers.set(rec.ID, { rec, dir, log: new JsonLog(rec.LogPath), sinks: new Set(), exitWaiters: [], removeWaiters: [], startWaiters: [] });
      this.names.set(rec.Name, rec.ID);
    }
  }

  // daemon.GetContainer: a full id, a name, or a unique id prefix.
  get(ref: string): Container {
    const exact = this.containers.get(ref) ?? this.containers.get(this.names.get(ref.startsWith('/') ? ref : `/${ref}`) ?? '');
    if (exact) return exact;
    const matches = /^[0-9a-f]+$/.test(ref) ? [...this.containers.values()].filter((c) => c.rec.ID.startsWith(ref)) : [];
    if (matches.length > 1) throw invalidParameter(`multiple IDs found with provided prefix: ${ref}`);
    if (matches.length === 0) throw noSuchContainer(ref);
    return matches[0];
  }

  create(nameParam: string | null, body: Record<string, unknown>): { Id: string; Warnings: string[] } {
    const hc = (body.HostConfig ?? {}) as Record<string, unknown>;
    const imageRef = typeof body.Image === 'string' ? body.Image : '';
    if (!imageRef) throw invalidParameter('config cannot be empty in order to create a container');
    const image = this.opts.images.get(imageRef);
    if (!image) {
      let familiar = imageRef;
      try { familiar = familiarString(withDefaultTag(parseNormalizedNamed(imageRef))); } catch (err) {
        if (err instanceof InvalidReferenceError) throw invalidParameter(err.message);
      }
      throw noSuchImage(familiar); // the docker CLI pulls on this 404, then creates again
    }
    const name = nameParam ? this.reserveName(nameParam) : generateName((n) => this.names.has(n));

    // The image's defaults under the request's: an Entrypoint given drops the image's Cmd (as docker does).
    const entrypoint = list(body.Entrypoint) ?? image.config.Entrypoint ?? [];
    const cmd = list(body.Cmd) ?? (body.Entrypoint != null ? [] : image.config.Cmd ?? []);
    const argv = [...entrypoint, ...cmd];
    if (argv.length === 0) throw invalidParameter('No command specified');
    const env = new Map<string, string>();
    for (const kv of [...image.config.Env, ...(list(body.Env) ?? [])]) env.set(kv.split('=')[0], kv);
    const id = randomBytes(32).toString('hex');
    const config: ContainerConfig = {
      Hostname: typeof body.Hostname === 'string' && body.Hostname ? body.Hostname : id.slice(0, 12),
      User: (body.User as string) || image.config.User || '',
      Env: [...env.values()],
      Cmd: cmd.length ? cmd : null,
      Entrypoint: entrypoint.length ? entrypoint : null,
      Image: imageRef,
      WorkingDir: (body.WorkingDir as string) || image.config.WorkingDir || '',
      Labels: (body.Labels as Record<string, string>) ?? {},
      Tty: Boolean(body.Tty),
      OpenStdin: Boolean(body.OpenStdin),
      StdinOnce: Boolean(body.StdinOnce),
      AttachStdin: Boolean(body.AttachStdin),
      AttachStdout: Boolean(body.AttachStdout),
      AttachStderr: Boolean(body.AttachStderr),
      ...((body.StopSignal as string) || image.config.StopSignal ? { StopSignal: (body.StopSignal as string) || image.config.StopSignal } : {}),
      ...(typeof body.StopTimeout === 'number' ? { StopTimeout: body.StopTimeout } : {}),
    };
    if (config.StopSignal) parseSignal(config.StopSignal);
    const hostConfig: HostConfig = {
      Memory: Number(hc.Memory) || 0,
      PidsLimit: typeof hc.PidsLimit === 'number' ? hc.PidsLimit : null,
      IpcMode: (hc.IpcMode as string) || 'private',
      UTSMode: (hc.UTSMode as string) || '',
      NetworkMode: (hc.NetworkMode as string) || 'default',
      AutoRemove: Boolean(hc.AutoRemove),
      ...(consoleSizeOf(hc.ConsoleSize) ? { ConsoleSize: [consoleSizeOf(hc.ConsoleSize)!.height, consoleSizeOf(hc.ConsoleSize)!.width] } : {}),
      GroupAdd: list(hc.GroupAdd) ?? null,
    };
    const dir = containerDir(this.opts.root, id);
    const rec: ContainerRecord = {
      ID: id, Name: name, Created: now(), Path: argv[0], Args: argv.slice(1), Image: image.id, Config: config,
      HostConfig: hostConfig, State: newState(), LogPath: join(dir, `${id}-json.log`), Namespaces: [],
    };
    saveRecord(this.opts.root, rec);
    const c: Container = { rec, dir, log: new JsonLog(rec.LogPath), sinks: new Set(), exitWaiters: [], removeWaiters: [], startWaiters: [] };
    this.containers.set(id, c);
    this.names.set(name, id);
    this.event(c, 'create');
    this.opts.log(`container ${id.slice(0, 12)} (${name}) created from ${imageRef}: ${JSON.stringify(argv)}`);
    return { Id: id, Warnings: [] };
  }

  // daemon/names.go reserveName: a valid name no other container holds, "/"-prefixed.
  private reserveName(name: string): string {
    const canonical = validateName(name);
    const holder = this.names.get(canonical);
    if (holder) throw conflict(`Conflict. The container name "${canonical}" is already in use by container "${holder}". You have to remove (or rename) that container to be able to reuse that name.`);
    return canonical;
  }

  // docker rename (daemon/rename.go): the new name reserved as create reserves one, the old one given up, the record
  // saved, and a "rename" event that says what the name was. The container's id, processes and execs stay as they are.
  rename(oldName: string, newName: string): void {
    if (oldName === '' || newName === '') throw invalidParameter('Neither old nor new names may be empty');
    const c = this.get(oldName);
    const wanted = newName.startsWith('/') ? newName : `/${newName}`;
    if (c.rec.Name === wanted) throw invalidParameter('Renaming a container with the same name as its current name');
    let reserved: string;
    try { reserved = this.reserveName(wanted); } catch (err) {
      throw new EngineError((err as EngineError).statusCode, `Error when allocating new name: ${(err as Error).message}`);
    }
    const old = c.rec.Name;
    this.names.set(reserved, c.rec.ID);
    this.names.delete(old);
    c.rec.Name = reserved;
    try { saveRecord(this.opts.root, c.rec); } catch (err) {
      c.rec.Name = old; this.names.set(old, c.rec.ID); this.names.delete(reserved);
      throw err;
    }
    this.event(c, 'rename', { oldName: old });
  }

  // docker top (daemon/top_unix.go): ps's rows for the processes the backend says are the container's.
  async top(ref: string, psArgs: string): Promise<TopResponse> {
    const args = psArgs || '-ef';
    validatePSArgs(args);
    const c = this.get(ref);
    if (!c.proc) throw containerNotRunning(c.rec.ID);
    const list = await top(this.opts.backend.pids(c.proc), args);
    this.event(c, 'top');
    return list;
  }

  // The container whose namespaces "container:<ref>" names: it must be running.
  private joined(mode: string): ContainerProcess | undefined {
    if (!mode.startsWith('container:')) return undefined;
    const other = this.get(mode.slice('container:'.length));
    if (!other.proc) throw conflict(`cannot join network namespace of a non running container: ${other.rec.ID}`);
    return other.proc;
  }

  async start(ref: string): Promise<void> {
    const c = this.get(ref);
    const { rec } = c;
    if (rec.State.Running) throw notModified();
    if (rec.State.Status === 'removing') throw conflict(`cannot start a container that is being removed`);
    if (c.starting) throw conflict(`container ${rec.ID} is already being started`);
    c.starting = true;
    try { await this.startLocked(c); } finally { c.starting = false; }
  }

  private async startLocked(c: Container): Promise<void> {
    const { rec } = c;
    const image = this.opts.images.get(rec.Image);
    if (!image) throw noSuchImage(rec.Config.Image);
    const hc = rec.HostConfig;
    // moby initializeNetworking: a container in another's network namespace takes its hostname (and /etc/hostname),
    // so a pod's containers all answer with the pod's name, as their sandbox does.
    if (hc.NetworkMode.startsWith('container:')) rec.Config.Hostname = this.get(hc.NetworkMode.slice('container:'.length)).rec.Config.Hostname;
    const spec: ContainerSpec = {
      id: rec.ID, name: rec.Name.slice(1), hostname: rec.Config.Hostname, dir: c.dir,
      argv: [rec.Path, ...rec.Args], env: rec.Config.Env, workingDir: rec.Config.WorkingDir || '/', user: rec.Config.User,
      tty: rec.Config.Tty, stdin: rec.Config.OpenStdin,
      ...(rec.Config.Tty && hc.ConsoleSize ? { consoleSize: { height: hc.ConsoleSize[0], width: hc.ConsoleSize[1] } } : {}),
      image: { id: image.id, rootfs: image.rootfs },
      joinNamespacesOf: this.joined(hc.NetworkMode) ?? this.joined(hc.IpcMode) ?? this.joined(hc.UTSMode),
      limits: { ...(hc.Memory > 0 ? { memoryBytes: hc.Memory } : {}), ...(hc.PidsLimit && hc.PidsLimit > 0 ? { pidsMax: hc.PidsLimit } : {}) },
      ...(hc.GroupAdd?.length ? { groupAdd: hc.GroupAdd } : {}),
    };
    let proc: ContainerProcess;
    try {
      proc = await this.opts.backend.start(spec);
    } catch (err) {
      // moby translateContainerdStartErr: a command that is not there is 127 and the client's fault (400).
      const msg = (err as Error).message;
      const missing = /not found|no such file/i.test(msg);
      Object.assign(rec.State, { Status: missing ? 'created' : 'exited', ExitCode: missing ? 127 : 128, Error: msg, FinishedAt: now() });
      saveRecord(this.opts.root, rec);
      await this.opts.backend.cleanup(spec).catch(() => {});
      // As dockerd's start does: an AutoRemove container that could not start is removed (docker run --rm waits for it).
      if (hc.AutoRemove) await this.remove(rec.ID, { force: true }).catch(() => {});
      // A user or group the container's files do not have: dockerd's own lookup (getUser, making the OCI spec)
      // fails before any runtime runs, a 500 with the lookup's words alone.
      if (err instanceof UnknownUserError) throw new EngineError(500, msg);
      throw new EngineError(missing ? 400 : 500, `failed to create task for container: failed to create shim task: OCI runtime create failed: unable to start container process: ${msg}: unknown`);
    }
    c.spec = spec;
    c.proc = proc;
    Object.assign(rec.State, { Status: 'running', Running: true, Pid: proc.pid, ExitCode: 0, Error: '', StartedAt: now(), FinishedAt: '0001-01-01T00:00:00Z' });
    rec.Namespaces = [...proc.namespaces];
    saveRecord(this.opts.root, rec);
    const drainAll = this.fanOut(c, proc);
    for (const w of c.startWaiters.splice(0)) w();
    this.event(c, 'start');
    void proc.exited.then((st) => { drainAll(); return this.exited(c, proc, st); }).catch((err) => this.opts.log(`container ${rec.ID.slice(0, 12)}: recording its exit: ${(err as Error).message}`));
    this.opts.log(`container ${rec.ID.slice(0, 12)} (${rec.Name}) started: pid ${proc.pid}${proc.namespaces.length ? `, namespaces ${proc.namespaces.join(',')}` : ''}`);
  }

  // The container's output goes to its log and to every attached client; a client that cannot keep up pauses the
  // output for all (a bounded buffer, as the pipes give), and one that leaves is dropped.
  // Once the process has exited, what is left (bounded: its pipes' contents) goes out without waiting for anyone, so a
  // client that does not read cannot hold the container's exit.
  private fanOut(c: Container, proc: ContainerProcess): () => void {
    let blocked = 0;
    let exiting = false;
    const sources = [['stdout', proc.stdout], ['stderr', proc.stderr]] as [ 'stdout' | 'stderr', Readable | undefined][];
    const pause = () => { if (!exiting) for (const [, s] of sources) s?.pause(); };
    const resume = () => { if (--blocked === 0) for (const [, s] of sources) s?.resume(); };
    for (const [stream, source] of sources) {
      source?.on('data', (chunk: Buffer) => {
        c.log.append(stream, chunk);
        for (const sink of c.sinks) {
          if (!sink.write(stream, chunk) && !exiting) { blocked++; pause(); sink.onDrain(resume); }
        }
      });
      source?.on('error', () => {});
    }
    return () => { exiting = true; for (const [, s] of sources) s?.resume(); };
  }

  // The process has ended: its output is read to the end (into the log and to attached clients) before the log is
  // flushed, attached connections closed and waiters told.
  private async exited(c: Container, proc: ContainerProcess, st: ExitStatus): Promise<void> {
    await Promise.all([drained(proc.stdout), drained(proc.stderr)]);
    c.log.flush();
    c.proc = undefined;
    Object.assign(c.rec.State, { Status: 'exited', Running: false, Pid: 0, ExitCode: st.exitCode, OOMKilled: Boolean(st.oomKilled), FinishedAt: now() });
    if (this.containers.has(c.rec.ID)) saveRecord(this.opts.root, c.rec);
    if (c.spec) await this.opts.backend.cleanup(c.spec).catch((err) => this.opts.log(`cleanup of ${c.rec.ID.slice(0, 12)}: ${(err as Error).message}`));
    this.opts.log(`container ${c.rec.ID.slice(0, 12)} (${c.rec.Name}) exited with code ${st.exitCode}`);
    for (const sink of c.sinks) sink.end();
    c.sinks.clear();
    this.event(c, 'die', { exitCode: String(st.exitCode) });
    for (const w of c.exitWaiters.splice(0)) w(st.exitCode);
    if (c.rec.HostConfig.AutoRemove && this.containers.has(c.rec.ID)) await this.remove(c.rec.ID, { force: false }).catch(() => {});
  }

  private nextExit(c: Container): Promise<number> {
    return new Promise((resolve) => c.exitWaiters.push(resolve));
  }

  // docker stop: the stop signal, then SIGKILL once `t` seconds have passed (t < 0: wait for ever).
  async stop(ref: string, t?: number, signal?: string): Promise<void> {
    const c = this.get(ref);
    const proc = c.proc;
    if (!proc) throw notModified();
    const sig = parseSignal(signal || c.rec.Config.StopSignal || 'SIGTERM');
    const timeout = t ?? c.rec.Config.StopTimeout ?? 10;
    const exit = this.nextExit(c);
    this.event(c, 'kill', { signal: String(osSignals[sig] ?? sig) });
    proc.kill(sig);
    if (timeout >= 0) {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([exit.then(() => false), new Promise<boolean>((r) => { timer = setTimeout(() => r(true), timeout * 1000); })]);
      clearTimeout(timer);
      if (timedOut) { this.event(c, 'kill', { signal: '9' }); proc.kill('SIGKILL'); }
    }
    await exit;
    this.event(c, 'stop');
  }

  async kill(ref: string, signal = 'SIGKILL'): Promise<void> {
    const c = this.get(ref);
    const sig = parseSignal(signal);
    if (!c.proc) throw containerNotRunning(c.rec.ID);
    this.event(c, 'kill', { signal: String(osSignals[sig] ?? sig) });
    c.proc.kill(sig);
  }

  // POST /containers/{id}/wait: "not-running" (now, if it is not), "next-exit", or "removed".
  wait(ref: string, condition: string): Promise<number> {
    const c = this.get(ref);
    if (condition === 'removed') return new Promise((resolve) => c.removeWaiters.push(resolve));
    if (condition === 'next-exit') return this.nextExit(c);
    if (condition === '' || condition === 'not-running') return c.proc ? this.nextExit(c) : Promise.resolve(c.rec.State.ExitCode);
    throw invalidParameter(`invalid condition: "${condition}"`);
  }

  async remove(ref: string, opts: { force: boolean }): Promise<void> {
    const c = this.get(ref);
    if (c.rec.State.Status === 'removing') return;
    if (c.proc) {
      if (!opts.force) throw conflict(`cannot remove container "${c.rec.Name}": container is running: stop the container before removing or force remove`);
      const exit = this.nextExit(c);
      c.proc.kill('SIGKILL');
      await exit;
    }
    if (!this.containers.has(c.rec.ID)) return; // removed meanwhile (AutoRemove)
    c.rec.State.Status = 'removing';
    this.containers.delete(c.rec.ID);
    this.names.delete(c.rec.Name);
    rmSync(c.dir, { recursive: true, force: true });
    this.opts.log(`container ${c.rec.ID.slice(0, 12)} (${c.rec.Name}) removed`);
    this.event(c, 'destroy');
    for (const w of c.removeWaiters.splice(0)) w(c.rec.State.ExitCode);
  }

  // Resolves once the container has started (docker run attaches before it starts).
  started(c: Container): Promise<void> {
    return c.proc ? Promise.resolve() : new Promise((resolve) => c.startWaiters.push(resolve));
  }

  // Containers die with the engine (dockerd without live-restore): SIGKILL, then each exit recorded.
  async close(): Promise<void> {
    const running = [...this.containers.values()].filter((c) => c.proc);
    await Promise.all(running.map((c) => { const exit = this.nextExit(c); c.proc?.kill('SIGKILL'); return exit; }));
    await this.opts.backend.close();
  }
}
