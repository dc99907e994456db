// The seam under the engine: what runs a container's processes (runc's role under dockerd and containerd).
// The daemon (containers, execs, logs, the Docker API) is the same over either backend: Linux namespaces
// over an image's root filesystem when the engine runs as root, plain host processes when it cannot.
import type { Readable, Writable } from 'node:stream';
import type { TerminalSize } from '../exec/executor.ts';

// A process to run, as the Docker API describes one (container Config, or ExecConfig).
export interface ProcessSpec {
  argv: string[];                 // Entrypoint + Cmd already resolved; argv[0] looked up in the container's PATH
  env: string[];                  // "KEY=value", the image's Env with the request's on top
  workingDir: string;             // a path inside the container ("/" by default)
  user: string;                   // "", "user", "user:group", "uid" or "uid:gid"
  tty: boolean;                   // a pseudo-terminal (stdout carries both streams); false: separate stdout and stderr pipes
  stdin: boolean;                 // keep a stdin pipe (OpenStdin / AttachStdin); false: stdin is /dev/null
  consoleSize?: TerminalSize;     // the first size of the terminal, with tty
}

// A container's main process and where it lives. `dir` is the daemon's folder for this container
// (the backend may keep its own files there: rootfs upper layer, cgroup names, pids).
export interface ContainerSpec extends ProcessSpec {
  id: string;                     // 64 hex digits
  name: string;                   // without the leading "/"
  hostname: string;
  dir: string;
  image: { id: string; rootfs: string };      // the image's files, a read-only lower layer shared by its containers
  // Join the ipc, uts and net namespaces of another running container (HostConfig IpcMode/UTSMode/NetworkMode
  // "container:<id>"): how a pod's containers share its sandbox's namespaces.
  joinNamespacesOf?: ContainerProcess;
  limits: { memoryBytes?: number; pidsMax?: number };   // HostConfig.Memory, HostConfig.PidsLimit (0/absent: none)
  groupAdd?: string[];            // HostConfig.GroupAdd: more supplementary groups (names or gids) for it and its execs
}

export interface ExitStatus {
  exitCode: number;               // 128+n for a signal
  signal?: NodeJS.Signals;
  oomKilled?: boolean;            // killed by the kernel's OOM killer over the memory limit (State.OOMKilled)
}

// A running process the daemon streams: pipes (or, with tty, one terminal: stdout carries both, stderr absent).
export interface BackendProcess {
  pid: number;                    // host pid
  stdin?: Writable;
  stdout: Readable;
  stderr?: Readable;
  exited: Promise<ExitStatus>;    // resolves once the process is gone AND stdout/stderr have ended
  // Resolves as soon as the process is gone, its output perhaps still unread (containerd's exit event): what an
  // exec's Running and ExitCode follow, so an abandoned exec whose output nobody reads still ends. Absent: `exited`.
  gone?: Promise<ExitStatus>;
  kill(signal: NodeJS.Signals): void;
  resize?(size: TerminalSize): void;   // tty only
}

export interface ContainerProcess extends BackendProcess {
  // What `docker inspect` and /proc/<pid>/ns show: the container's init as the host sees it.
  readonly namespaces: string[];  // e.g. ['pid', 'mnt', 'uts', 'ipc'] (empty for the process backend)
}

export interface ContainerBackend {
  readonly kind: 'namespaces' | 'processes';
  // One line, logged at engine start and printed by `npm run doctor`: what isolation containers get, and what not.
  readonly description: string;
  start(spec: ContainerSpec): Promise<ContainerProcess>;
  // Run a process inside a running container: it enters every namespace of the container's init.
  exec(container: ContainerProcess, spec: ProcessSpec): Promise<BackendProcess>;
  // The host pids of every process in a running container, its init and execs and what they started (containerd's
  // Task.Pids, read from the container's cgroup): what `docker top` shows.
  pids(container: ContainerProcess): number[];
  // After a container's init has exited (or been killed): unmount, remove cgroups, leave nothing behind.
  cleanup(spec: ContainerSpec): Promise<void>;
  // At engine start, over the daemon's folder: kill and clean up whatever a previous engine process left.
  recover(root: string): Promise<void>;
  close(): Promise<void>;
}
