// How a component tells the checkpoint supervisor where it listens: an atomically written <state>/<name>.ready.json.
import { mkdirSync, renameSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export interface Announcement {
  name: string;
  pid: number;
  url?: string;      // http(s) base URL, probed at <url>/healthz
  socket?: string;   // unix socket path (gRPC or HTTP)
  [extra: string]: unknown;
}

export function announcePath(stateDir: string, name: string): string {
  return join(stateDir, `${name}.ready.json`);
}

export function announce(stateDir: string, info: { name: string; url?: string; socket?: string; [extra: string]: unknown }): void {
  mkdirSync(stateDir, { recursive: true });
  const file = announcePath(stateDir, info.name);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ ...info, pid: process.pid }, null, 2));
  renameSync(tmp, file); // rename is atomic: readers never see half a file
}

export function withdraw(stateDir: string, name: string): void {
  rmSync(announcePath(stateDir, name), { force: true });
}
