// ExecSync: run a command in a container and return its output at once (cri-dockerd core/exec.go ExecSync,
// with the 16 MiB output caps of CVE-2022-1708 and a timeout that becomes DEADLINE_EXCEEDED).
import { deadlineExceeded, grpcError, GrpcCode } from '../cri/grpc-status.ts';
import type { ProcessSpec } from './process-executor.ts';
import { ExecutableNotFound, exitCodeOf, spawnBound } from './spawn.ts';

export const MAX_EXEC_SYNC_OUTPUT = 16 * 1024 * 1024;

export interface ExecSyncResult { stdout: Buffer; stderr: Buffer; exitCode: number }

// Keeps the first `cap` bytes and drops the rest (ioutils.LimitWriter), so a chatty command cannot grow the shim's memory.
export class CappedBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly cap: number) {}
  push(chunk: Buffer): void {
    if (this.size >= this.cap) return;
    const part = chunk.subarray(0, this.cap - this.size);
    this.chunks.push(part);
    this.size += part.length;
  }
  get value(): Buffer { return Buffer.concat(this.chunks, this.size); }
}

export async function execSync(spec: ProcessSpec, cmd: string[], timeoutSeconds: number, cap = MAX_EXEC_SYNC_OUTPUT): Promise<ExecSyncResult> {
  if (!cmd[0]) throw grpcError(GrpcCode.INVALID_ARGUMENT, 'cmd is required');
  let child: ReturnType<typeof spawnBound>;
  try {
    child = spawnBound(cmd, { cwd: spec.cwd, env: spec.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    // As runc reports it; the command never ran, so this is a failed call, not an exit code.
    if (err instanceof ExecutableNotFound) throw grpcError(GrpcCode.UNKNOWN, err.message);
    throw err;
  }
  if (child.pid !== undefined) spec.track?.(child.pid);
  const stdout = new CappedBuffer(cap);
  const stderr = new CappedBuffer(cap);
  child.stdout!.on('data', (c: Buffer) => stdout.push(c));
  child.stderr!.on('data', (c: Buffer) => stderr.push(c));
  let timedOut = false;
  const timer = timeoutSeconds > 0 ? setTimeout(() => {
    timedOut = true;
    try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ }
  }, timeoutSeconds * 1000) : undefined;
  try {
    const result = await new Promise<[number | null, NodeJS.Signals | null]>((done, fail) => {
      child.once('error', fail);
      child.once('close', (c, s) => done([c, s]));
    });
    if (timedOut) throw deadlineExceeded(`command ${JSON.stringify(cmd)} timed out after ${timeoutSeconds}s`);
    const [code, sig] = result;
    return { stdout: stdout.value, stderr: stderr.value, exitCode: exitCodeOf(code, sig) };
  } finally {
    clearTimeout(timer);
  }
}
