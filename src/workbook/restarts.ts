// Keeps one component of a checkpoint running: a component that exits unexpectedly is started again after a
// backoff, with a log line, unless it was stopped on purpose (systemd's Restart=always and RestartSec do this for
// the kubelet and the container runtime on a real node).
import type { Announcement } from '../util/announce.ts';
import { stopProcessTree, type ComponentProcess } from './supervisor.ts';
import type { ComponentSpec } from './types.ts';
import type { ComponentState } from './control.ts';

export type Launch = (spec: ComponentSpec, previous: Announcement | undefined) => Promise<ComponentProcess>;

// 1 s, 2 s, 4 s ... 30 s between attempts; a component that ran for a while before dying starts again from 1 s.
export function restartDelayMs(failures: number): number { return Math.min(30_000, 1000 * 2 ** Math.max(0, failures - 1)); }
const STABLE_MS = 10_000;

export class ComponentKeeper {
  proc: ComponentProcess | undefined;
  last: Announcement | undefined;       // the latest announcement, kept while stopped: a restart reuses its port
  restarts = 0;
  private wanted = false;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private starting: Promise<Announcement> | undefined;

  constructor(readonly spec: ComponentSpec, private readonly launch: Launch, private readonly log: (line: string) => void) {}

  get state(): ComponentState['state'] {
    if (this.starting) return 'starting';
    if (this.timer) return 'restarting';
    return this.proc ? 'running' : 'stopped';
  }

  describe(): ComponentState {
    return { name: this.spec.name, state: this.state, pid: this.proc?.child.pid, restarts: this.restarts };
  }

  // Starts it (again) and keeps it running from now on.
  start(): Promise<Announcement> {
    if (this.proc || this.starting) return Promise.reject(new Error(`${this.spec.name} is already running`));
    this.wanted = true;
    this.cancelRestart();
    return this.run();
  }

  private run(): Promise<Announcement> {
    const attempt: Promise<Announcement> = this.launch(this.spec, this.last).then((proc) => {
      this.proc = proc;
      this.last = proc.announcement;
      const since = Date.now();
      void proc.exited.then(() => this.exited(proc, since));
      return proc.announcement;
    }).finally(() => { if (this.starting === attempt) this.starting = undefined; });
    this.starting = attempt;
    return attempt;
  }

  private exited(proc: ComponentProcess, since: number): void {
    if (this.proc !== proc) return;
    this.proc = undefined;
    if (!this.wanted) return; // stopped on purpose
    this.failures = Date.now() - since >= STABLE_MS ? 1 : this.failures + 1;
    const how = proc.child.signalCode ? `signal ${proc.child.signalCode}` : `code ${proc.child.exitCode}`;
    this.scheduleRestart(`${this.spec.name} exited unexpectedly (${how})`);
  }

  private scheduleRestart(why: string): void {
    const delay = restartDelayMs(this.failures);
    this.log(`[supervisor] ${why}: restarting it in ${delay / 1000}s`);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.wanted) return;
      this.restarts++;
      this.run().then(
        (a) => this.log(`[supervisor] ${this.spec.name} restarted (pid ${a.pid}, restart ${this.restarts})`),
        (err: Error) => {
          this.failures++;
          if (this.wanted) this.scheduleRestart(`${this.spec.name} failed to restart: ${err.message.split('\n')[0]}`);
        });
    }, delay);
    this.timer.unref();
  }

  private cancelRestart(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  // From now on an exit is not a crash (the whole checkpoint is stopping, and one component's exit may follow another's).
  release(): void {
    this.wanted = false;
    this.cancelRestart();
  }

  // Stops it on purpose: it stays stopped until start(). With a signal, only that signal is sent (a "crash"
  // the supervisor will not undo); without, SIGTERM, then SIGKILL after a grace period.
  async stop(signal?: NodeJS.Signals): Promise<void> {
    this.release();
    await this.starting?.catch(() => undefined);
    const proc = this.proc;
    if (!proc) return;
    if (signal) {
      try { process.kill(proc.child.pid!, signal); } catch { /* gone */ }
      await proc.exited;
    } else {
      await stopProcessTree(proc.child, proc.exited);
    }
    this.proc = undefined;
  }
}
