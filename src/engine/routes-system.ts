// The system and image routes (moby api/server/router/system and image): _ping, version, info, and the images
// the ImageStore seam holds (list, pull with its progress stream, inspect, remove).
import { existsSync, readFileSync } from 'node:fs';
import { arch, cpus, hostname, release, totalmem } from 'node:os';
import { API_VERSION, MIN_API_VERSION } from './api-version.ts';
import type { Daemon } from './daemon.ts';
import { conflict, EngineError, invalidParameter, notFound, noSuchImage, notImplemented } from './errors.ts';
import { commonHeaders, writeJSON, type Handler } from './http.ts';
import { ImageNotFoundError, type EngineImage, type ImageStore } from './image-store.ts';
import type { Router } from './router.ts';
import { matchEvent } from './events.ts';
import { parseFilters } from './filters.ts';
import { parseTimestamp } from './json-log.ts';
import { familiarName, familiarString, InvalidReferenceError, parseNormalizedNamed, withDefaultTag } from './images/reference.ts';

const goArch = () => ({ x64: 'amd64', arm64: 'arm64' } as Record<string, string>)[arch()] ?? arch();
const cgroupVersion = () => (existsSync('/sys/fs/cgroup/cgroup.controllers') ? '2' : '1');

function operatingSystem(): string {
  try { return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? 'Linux'; } catch { return 'Linux'; }
}

function imageSummary(img: EngineImage) {
  return { Id: img.id, ParentId: '', RepoTags: img.repoTags, RepoDigests: img.repoDigests, Created: img.created, Size: img.size, SharedSize: -1, Labels: {}, Containers: -1 };
}

export function systemRoutes(router: Router<Handler>, daemon: Daemon, images: ImageStore, info: { name: string }): void {
  // HEAD and GET: the docker CLI negotiates its API version from these headers.
  router.add('GET', '/_ping', { plain: async (_ctx, res) => {
    res.writeHead(200, { ...commonHeaders(), 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': 2, 'Cache-Control': 'no-cache, no-store, must-revalidate', 'Pragma': 'no-cache' });
    res.end(res.req.method === 'HEAD' ? undefined : 'OK');
    return undefined;
  } });

  router.add('GET', '/version', { plain: async () => {
    const details = { ApiVersion: API_VERSION, MinAPIVersion: MIN_API_VERSION, GitCommit: 'workbook', GoVersion: `node${process.versions.node}`, Os: 'linux', Arch: goArch(), KernelVersion: release(), BuildTime: '' };
    return {
      Platform: { Name: 'Inside kubectl exec engine' },
      Components: [{ Name: 'Engine', Version: '27.5.1-workbook', Details: details }],
      Version: '27.5.1-workbook', ...details,
    };
  } });

  router.add('GET', '/info', { plain: async () => {
    const all = [...daemon.containers.values()];
    const running = all.filter((c) => c.rec.State.Running).length;
    const backend = daemon.opts.backend;
    const isolated = backend.kind === 'namespaces';
    return {
      ID: info.name, Name: info.name, Containers: all.length, ContainersRunning: running, ContainersPaused: 0, ContainersStopped: all.length - running,
      Images: images.list().length, Driver: isolated ? 'overlay2' : 'vfs', DriverStatus: [], Plugins: { Volume: [], Network: [], Authorization: null, Log: ['json-file'] },
      MemoryLimit: isolated, SwapLimit: false, PidsLimit: isolated, CpuCfsPeriod: false, CpuCfsQuota: false, CPUShares: false, CPUSet: false,
      OomKillDisable: false, IPv4Forwarding: false, Debug: false, NFd: 0, NGoroutines: 0, SystemTime: new Date().toISOString(),
      LoggingDriver: 'json-file', CgroupDriver: isolated ? 'cgroupfs' : 'none', CgroupVersion: cgroupVersion(), NEventsListener: 0,
      KernelVersion: release(), OperatingSystem: operatingSystem(), OSVersion: '', OSType: 'linux', Architecture: arch() === 'x64' ? 'x86_64' : arch(),
      IndexServerAddress: 'https://index.docker.io/v1/', RegistryConfig: null, NCPU: cpus().length, MemTotal: totalmem(),
      DockerRootDir: daemon.opts.root, HttpProxy: '', HttpsProxy: '', NoProxy: '', Labels: [], ExperimentalBuild: false,
      ServerVersion: '27.5.1-workbook', Runtimes: { [backend.kind]: { path: backend.kind } }, DefaultRuntime: backend.kind,
      Swarm: { NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null },
      LiveRestoreEnabled: false, Isolation: '', InitBinary: '', Hostname: hostname(),
      SecurityOptions: isolated ? ['name=namespaces', `name=cgroupns`] : [],
      Warnings: isolated ? [] : [`WARNING: no isolation: ${backend.description}`],
    };
  } });

  // docker events: the kept events since --since, then new ones until --until (or until the client leaves).
  router.add('GET', '/events', { plain: async ({ url, req }, res) => {
    const filters = parseFilters(url.searchParams.get('filters'));
    const since = parseTimestamp(url.searchParams.get('since'));
    const until = parseTimestamp(url.searchParams.get('until'));
    res.writeHead(200, { ...commonHeaders(), 'Content-Type': 'application/json' });
    res.flushHeaders();
    res.on('error', () => {});
    const follow = until === undefined || until * 1000 > Date.now();
    const stop = daemon.events.subscribe(since, (e) => {
      if (until !== undefined && e.timeNano / 1e9 > until) return;
      if (matchEvent(filters, e)) res.write(JSON.stringify(e) + '\n');
    }, follow);
    if (!follow) { res.end(); return undefined; }
    let timer: NodeJS.Timeout | undefined;
    const done = () => { stop(); clearTimeout(timer); if (!res.writableEnded) res.end(); };
    if (until !== undefined) timer = setTimeout(done, until * 1000 - Date.now());
    req.socket.once('close', done);
    return undefined;
  } });

  router.add('GET', '/images/json', { plain: async () => images.list().map(imageSummary) });

  // docker pull: the progress lines the CLI prints, once the image is there. An image the catalog does not have
  // is an error before any output, so the client gets a status code and the engine's message.
  router.add('POST', '/images/create', { plain: async ({ url }, res) => {
    const from = url.searchParams.get('fromImage') ?? '';
    const tag = url.searchParams.get('tag');
    let named;
    try { named = withDefaultTag(parseNormalizedNamed(tag ? (/^sha256:/.test(tag) ? `${from}@${tag}` : `${from}:${tag}`) : from)); } catch (err) {
      if (err instanceof InvalidReferenceError) throw invalidParameter(err.message);
      throw err;
    }
    const ref = familiarString(named);
    const had = images.get(ref);
    let img: EngineImage;
    try { img = await images.pull(ref); } catch (err) {
      if (err instanceof ImageNotFoundError) throw notFound(err.message);
      throw err;
    }
    // As dockerd words them, with the familiar names ("library/busybox", "busybox:latest").
    const digest = img.repoDigests.find((d) => d.startsWith(`${familiarName(named)}@`))?.split('@')[1];
    const lines = [
      { status: `Pulling from ${named.path}`, id: named.tag ?? named.digest ?? 'latest' },
      ...(digest ? [{ status: `Digest: ${digest}` }] : []),
      { status: had ? `Status: Image is up to date for ${ref}` : `Status: Downloaded newer image for ${ref}` },
    ];
    res.writeHead(200, { ...commonHeaders(), 'Content-Type': 'application/json' });
    res.end(lines.map((l) => JSON.stringify(l) + '\r\n').join(''));
    return undefined;
  } });

  router.add('GET', '/images/{name:.*}/json', { plain: async ({ params }) => {
    const img = images.get(params.name);
    if (!img) throw noSuchImage(params.name);
    return {
      Id: img.id, RepoTags: img.repoTags, RepoDigests: img.repoDigests, Parent: '', Comment: '', Created: new Date(img.created * 1000).toISOString(),
      Config: { ...img.config, Labels: null }, Architecture: goArch(), Os: 'linux', Size: img.size,
      GraphDriver: { Name: 'vfs', Data: null }, RootFS: { Type: 'layers', Layers: [] }, Metadata: { LastTagTime: '0001-01-01T00:00:00Z' },
    };
  } });

  router.add('DELETE', '/images/{name:.*}', { plain: async ({ params, url }, res) => {
    const img = images.get(params.name);
    if (!img) throw noSuchImage(params.name);
    const user = [...daemon.containers.values()].find((c) => c.rec.Image === img.id);
    const force = ['1', 'true'].includes(url.searchParams.get('force') ?? '');
    // Untagging one of several names deletes nothing, so only the last name (or the id) is refused while in use.
    const isId = img.id.slice(7).startsWith(params.name.replace(/^sha256:/, '')) && /^(sha256:)?[0-9a-f]+$/.test(params.name);
    if (user && !force && (isId || img.repoTags.length <= 1)) {
      throw conflict(`conflict: unable to remove repository reference "${params.name}" (must force) - container ${user.rec.ID.slice(0, 12)} is using its referenced image ${img.id.slice(7, 19)}`);
    }
    if (!images.remove) throw notImplemented('this engine\'s image store cannot remove images');
    images.remove(params.name);
    const left = images.get(img.id);
    const untagged = img.repoTags.filter((t) => !left?.repoTags.includes(t));
    writeJSON(res, 200, [...untagged.map((t) => ({ Untagged: t })), ...(left ? [] : [{ Deleted: img.id }])]);
    return undefined;
  } });
}

export { EngineError };
