// API versions and the versioned path (moby api/server/middleware/version.go, router paths "/v{version}/...").
// Pure: the server asks it what a request path means and whether its version is served.
import { invalidParameter } from './errors.ts';

// Docker 27.3-27.5's API: the docker CLI 28 negotiates down to it, cri-dockerd (client max 1.46, min 1.42) to 1.46.
export const API_VERSION = '1.47';
export const MIN_API_VERSION = '1.24';

export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number), pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

export interface VersionedPath { version: string; path: string }

// "/v1.47/containers/json" → { version: "1.47", path: "/containers/json" }; a bare path is served at the current version.
export function parseVersionedPath(pathname: string): VersionedPath {
  const m = /^\/v([0-9]+(?:\.[0-9]+)*)(\/.*)$/.exec(pathname);
  return m ? { version: m[1], path: m[2] } : { version: API_VERSION, path: pathname };
}

// VersionMiddleware: a version outside [min, current] is refused before any route runs.
export function checkVersion(version: string): void {
  if (compareVersions(version, MIN_API_VERSION) < 0) {
    throw invalidParameter(`client version ${version} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`);
  }
  if (compareVersions(version, API_VERSION) > 0) {
    throw invalidParameter(`client version ${version} is too new. Maximum supported API version is ${API_VERSION}`);
  }
}

// From 1.42 a stream without a terminal says it is multiplexed; before, every hijacked stream was "raw-stream".
export function streamContentType(version: string, tty: boolean): string {
  return !tty && compareVersions(version, '1.42') >= 0 ? 'application/vnd.docker.multiplexed-stream' : 'application/vnd.docker.raw-stream';
}
