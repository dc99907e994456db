// The shim's side of its spawner process (spawn-helper.mjs): exec processes started there, off the shim's event loop,
// and handed back as a ChildProcess look-alike with the child's own pipes. Each process is bound to the helper's life,
// and the helper to the shim's, by parent-death signals: a shim killed with kill -9 still takes them all with it.
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { boundCommand, ExecutableNotFound, lookPath } from './spawn.ts';

type StdioOption = 'pipe' | 'ignore';
interface HelperMessage { id: number; pid?: number; fd?: number; exit?: [number | null, NodeJS.Signals | null]; error?: string }
export interface SpawnRequest { cwd: string; env: Record<string, string>; stdio: [StdioOption, StdioOption, StdioOption] }

// What ProcessExecutor uses of a ChildProcess: the pid, the pipes, and 'spawn', 'error', 'exit' and 'close' (after
// 'exit' and the end of stdout and stderr, as ChildProcess emits it).
export class SpawnedProcess extends EventEmitter {
  pid?: number;
  stdin: Socket | null = null;
  stdout: Socket | null = null;
  stderr: Socket | null = null;
  private exit?: [number | null, NodeJS.Signals | null];
  private open = 0;
  private closed = false;

  constructor(private readonly piped: StdioOption[]) { super(); }

  // One message from the helper about this process; true when it is the last one.
  got(msg: HelperMessage, handle?: Socket): boolean {
    if (msg.error !== undefined) { this.closed = true; this.emit('error', new Error(msg.error)); return true; }
    if (msg.pid !== undefined) {
      this.pid = msg.pid;
      this.open = this.piped.filter((s, i) => i > 0 && s === 'pipe').length;
      // 'spawn' once the pipes are here: sent before the exit, they arrive in order.
      if (this.open === 0 && this.piped[0] !== 'pipe') this.emit('spawn');
      return false;
    }
    if (msg.fd !== undefined && handle) {
      if (msg.fd === 0) this.stdin = handle; else if (msg.fd === 1) this.stdout = handle; else this.stderr = handle;
      if (msg.fd > 0) handle.once('close', () => { this.open--; this.maybeClose(); });
      handle.on('error', () => { /* the command went away: its 'exit' tells the rest */ });
      if (this.havePipes()) this.emit('spawn');
      return false;
    }
    if (msg.exit && !this.exit) { this.exit = msg.exit; this.emit('exit', ...msg.exit); this.maybeClose(); return this.closed; }
    return false;
  }

  private havePipes(): boolean {
    return this.piped.every((s, i) => s !== 'pipe' || (i === 0 ? this.stdin : i === 1 ? this.stdout : this.stderr));
  }
  private maybeClose(): void {
    if (this.closed || !this.exit || this.open > 0) return;
    this.closed = true;
    this.emit('close', ...this.exit);
  }
}

export class Spawner {
  private helper?: ChildProcess;
  private next = 0;
  private readonly running = new Map<number, SpawnedProcess>();

  private start(): ChildProcess {
    const script = fileURLToPath(new URL('./spawn-helper.mjs', import.meta.url));
    const [file, args] = boundCommand(process.execPath, [script]);
    const helper = spawn(file, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'json' });
    helper.on('message', (msg: HelperMessage, handle?: Socket) => {
      if (!this.running.get(msg.id)?.got(msg, handle)) return;
      this.running.delete(msg.id);
      if (this.running.size === 0) helper.channel?.unref?.(); // idle: the helper holds no one's loop open
    });
    const lost = (why: string) => {
      if (this.helper !== helper) return;
      this.helper = undefined;
      // Its processes died with it (their parent-death signal): those that had started end as if killed.
      for (const [id, p] of this.running) {
        if (p.pid === undefined) p.got({ id, error: `spawner: ${why}` });
        else p.got({ id, exit: [null, 'SIGKILL'] });
      }
      this.running.clear();
    };
    helper.on('error', (err) => lost(err.message));
    helper.on('exit', (code, signal) => lost(`exited (${signal ?? code})`));
    helper.unref();
    helper.channel?.unref?.();
    return helper;
  }

  // As spawnBound: the executable looked up on the container's PATH here (ExecutableNotFound at once), the process
  // bound by a parent-death signal, leading a session of its own.
  spawn(argv: string[], opts: SpawnRequest): SpawnedProcess {
    const [name, ...rest] = argv;
    const path = lookPath(name ?? '', opts.env, opts.cwd);
    if (path === undefined) throw new ExecutableNotFound(name ?? '');
    const [file, args, argv0] = boundCommand(path, rest, name);
    const helper = this.helper ??= this.start();
    const id = this.next++;
    const p = new SpawnedProcess(opts.stdio);
    this.running.set(id, p);
    // While a process runs, the channel keeps the shim's loop alive, as the process's own pipes would.
    helper.channel?.ref?.();
    helper.send({ id, file, args, argv0, cwd: opts.cwd, env: opts.env, stdio: opts.stdio });
    return p;
  }

  close(): void {
    this.helper?.kill('SIGKILL');
    this.helper = undefined;
  }
}
