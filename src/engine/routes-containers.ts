// The container and exec routes (moby api/server/router/container: container_routes.go, exec.go): request
// parameters in, daemon calls, the answers and status codes the Docker clients expect.
import type { ServerResponse } from 'node:http';
import { streamContentType } from './api-version.ts';
import type { Daemon } from './daemon.ts';
import { EngineError, invalidParameter, statusOf } from './errors.ts';
import type { ExecStore } from './exec.ts';
import { socketSink, pumpExec } from './exec-stream.ts';
import { matchContainer, parseFilters, validateContainerFilters } from './filters.ts';
import { writeHijackHead } from './hijack.ts';
import { boolValue, commonHeaders, intValue, parseJSONBody, readBody, writeJSON, type Handler, type RequestContext } from './http.ts';
import { parseTimestamp, type LogEntry } from './json-log.ts';
import { inspectOf, summaryOf } from './container-record.ts';
import type { Router } from './router.ts';
import { encodeFrame, StdType } from './stdcopy.ts';
import { consoleSizeOf } from './daemon.ts';
import { detachKeysOf, EscapeProxy } from './escape-proxy.ts';

const noContent = (res: ServerResponse) => { res.writeHead(204, commonHeaders()); res.end(); return undefined; };
const emptyOK = (res: ServerResponse) => { res.writeHead(200, { ...commonHeaders(), 'Content-Length': 0 }); res.end(); return undefined; };
const plain = (fn: (ctx: RequestContext, res: ServerResponse) => Promise<unknown> | unknown): Handler => ({ plain: async (ctx, res) => fn(ctx, res) });

// ?h=&w=, each a uint32 (httputils.Uint32Value), or 400.
function terminalSize(url: URL): { height: number; width: number } {
  const h = url.searchParams.get('h'), w = url.searchParams.get('w');
  const valid = (v: string | null) => v !== null && /^[0-9]+$/.test(v) && Number(v) <= 0xffffffff;
  if (!valid(h) || !valid(w)) throw invalidParameter(`invalid resize parameters: h=${h ?? ''} w=${w ?? ''}`);
  return { height: Number(h), width: Number(w) };
}

export function containerRoutes(router: Router<Handler>, daemon: Daemon, execs: ExecStore): void {
  router.add('GET', '/containers/json', plain(({ url }) => {
    const filters = parseFilters(url.searchParams.get('filters'));
    validateContainerFilters(filters);
    const all = boolValue(url, 'all');
    const limit = intValue(url, 'limit') ?? -1;
    let rows = [...daemon.containers.values()]
      .filter((c) => all || limit > 0 || c.rec.State.Running || filters.has('status'))
      .filter((c) => matchContainer(filters, { id: c.rec.ID, name: c.rec.Name.slice(1), labels: c.rec.Config.Labels, status: c.rec.State.Status }))
      .sort((a, b) => Date.parse(b.rec.Created) - Date.parse(a.rec.Created));
    if (limit > 0) rows = rows.slice(0, limit);
    return rows.map((c) => summaryOf(c.rec, c.rec.Config.Image));
  }));

  router.add('POST', '/containers/create', plain(async ({ req, url }, res) => {
    const body = parseJSONBody(await readBody(req));
    writeJSON(res, 201, daemon.create(url.searchParams.get('name'), body));
  }));

  router.add('GET', '/containers/{name}/json', plain(({ params }) => {
    const c = daemon.get(params.name);
    const ids = execs.running(c.rec.ID);
    return { ...inspectOf(c.rec), ExecIDs: ids.length ? ids : null };
  }));

  router.add('POST', '/containers/{name}/start', plain(async ({ params }, res) => { await daemon.start(params.name); return noContent(res); }));
  router.add('POST', '/containers/{name}/stop', plain(async ({ params, url }, res) => {
    await daemon.stop(params.name, intValue(url, 't'), url.searchParams.get('signal') ?? undefined);
    return noContent(res);
  }));
  // docker restart: stop (if running), then start.
  router.add('POST', '/containers/{name}/restart', plain(async ({ params, url }, res) => {
    const c = daemon.get(params.name);
    if (c.proc) await daemon.stop(c.rec.ID, intValue(url, 't'), url.searchParams.get('signal') ?? undefined);
    await daemon.start(c.rec.ID);
    return noContent(res);
  }));
  router.add('POST', '/containers/{name}/kill', plain(async ({ params, url }, res) => {
    // The router wraps every error of a kill, as dockerd 27's does ("Cannot kill container: c1: No such container: c1").
    await daemon.kill(params.name, url.searchParams.get('signal') || 'SIGKILL').catch((err: unknown) => {
      throw new EngineError(statusOf(err), `Cannot kill container: ${params.name}: ${(err as Error).message}`);
    });
    return noContent(res);
  }));
  router.add('DELETE', '/containers/{name}', plain(async ({ params, url }, res) => {
    const id = daemon.get(params.name).rec.ID;
    await daemon.remove(params.name, { force: boolValue(url, 'force') });
    execs.forget(id);
    return noContent(res);
  }));
  router.add('GET', '/containers/{name}/top', plain(({ params, url }) => daemon.top(params.name, url.searchParams.get('ps_args') ?? '')));
  router.add('POST', '/containers/{name}/rename', plain(({ params, url }, res) => {
    daemon.rename(params.name, url.searchParams.get('name') ?? '');
    return noContent(res);
  }));
  router.add('POST', '/containers/{name}/resize', plain(({ params, url }, res) => {
    const c = daemon.get(params.name);
    const size = terminalSize(url);
    if (c.rec.Config.Tty) c.proc?.resize?.(size);
    return emptyOK(res);
  }));

  // The head goes out at once, so the client knows its wait is registered before it starts the container (docker
  // run waits, then starts); the body when the condition is met.
  router.add('POST', '/containers/{name}/wait', plain(async ({ params, url, req }, res) => {
    const status = daemon.wait(params.name, url.searchParams.get('condition') ?? '');
    res.writeHead(200, { ...commonHeaders(), 'Content-Type': 'application/json' });
    res.flushHeaders();
    req.socket.on('error', () => {});
    const code = await status;
    res.end(JSON.stringify({ StatusCode: code, Error: null }) + '\n');
    return undefined;
  }));

  router.add('GET', '/containers/{name}/logs', plain(({ params, url, req, version }, res) => {
    const c = daemon.get(params.name);
    const stdout = boolValue(url, 'stdout'), stderr = boolValue(url, 'stderr');
    if (!stdout && !stderr) throw invalidParameter('Bad parameters: you must choose at least one stream');
    const tailRaw = url.searchParams.get('tail');
    const tail = !tailRaw || tailRaw === 'all' ? undefined : Number(tailRaw);
    const opts = { stdout, stderr, tail: Number.isInteger(tail) ? tail : undefined, since: parseTimestamp(url.searchParams.get('since')), until: parseTimestamp(url.searchParams.get('until')) };
    const tty = c.rec.Config.Tty;
    const timestamps = boolValue(url, 'timestamps');
    res.writeHead(200, { ...commonHeaders(), 'Content-Type': streamContentType(version, tty) });
    res.on('error', () => {});
    const send = (e: LogEntry) => {
      const text = Buffer.from((timestamps ? `${e.time} ` : '') + e.log);
      res.write(tty ? text : encodeFrame(e.stream === 'stdout' ? StdType.stdout : StdType.stderr, text));
    };
    for (const e of c.log.read(opts)) send(e);
    if (!boolValue(url, 'follow') || !c.proc) { res.end(); return undefined; }
    const unfollow = c.log.follow((e) => { if (e.stream === 'stdout' ? stdout : stderr) send(e); });
    const done = () => { unfollow(); if (!res.writableEnded) res.end(); };
    void daemon.wait(c.rec.ID, 'next-exit').then(done, done);
    req.socket.once('close', done);
    return undefined;
  }));

  // docker run (not -d) attaches before it starts the container: output from the first byte, then the connection
  // closes when the container's output has ended. With stdin, the client's bytes go to the container's stdin.
  router.add('POST', '/containers/{name}/attach', {
    hijack: async ({ params, url, version }, conn) => {
      const c = daemon.get(params.name);
      const { socket } = conn;
      const tty = c.rec.Config.Tty;
      writeHijackHead(socket, conn.upgrade, streamContentType(version, tty));
      conn.wrote = true;
      const sink = socketSink(socket, tty, { stdout: boolValue(url, 'stdout'), stderr: boolValue(url, 'stderr') });
      if (boolValue(url, 'logs')) for (const e of c.log.read({ stdout: true, stderr: true })) sink.write(e.stream, Buffer.from(e.log));
      if (!boolValue(url, 'stream') || (!c.proc && c.rec.State.Status !== 'created')) { sink.end(); return; }
      c.sinks.add(sink);
      socket.once('close', () => c.sinks.delete(sink));
      if (boolValue(url, 'stdin') && c.rec.Config.OpenStdin) {
        socket.pause();
        await daemon.started(c);
        const stdin = c.proc?.stdin;
        if (stdin && tty) {
          // A terminal's input passes the detach keys (default ctrl-p ctrl-q, or ?detachKeys=); they, or the end of
          // the client's input, end this connection and the container goes on (attach.go's copyEscapable).
          stdin.on('error', () => {});
          const proxy = new EscapeProxy(detachKeysOf(url.searchParams.get('detachKeys') ?? undefined));
          const leave = () => { c.sinks.delete(sink); socket.removeAllListeners('data'); socket.on('data', () => {}); sink.end(); };
          const feed = (d: Buffer) => { const r = proxy.push(d); if (r.data.length) stdin.write(r.data); if (r.detach) leave(); };
          if (conn.rest.length) feed(conn.rest);
          socket.on('data', feed);
          socket.once('end', leave);
        } else if (stdin) {
          stdin.on('error', () => {});
          if (conn.rest.length) stdin.write(conn.rest);
          socket.on('data', (d) => stdin.write(d));
          socket.once('end', () => { if (c.rec.Config.StdinOnce) stdin.end(); });
        }
        socket.resume();
      } else {
        socket.resume(); // a client's FIN is read, and nothing else is expected
      }
    },
  });

  router.add('POST', '/containers/{name}/exec', plain(async ({ req, params }, res) => {
    const body = parseJSONBody(await readBody(req));
    writeJSON(res, 201, execs.create(params.name, body));
  }));

  router.add('POST', '/exec/{id}/start', {
    hijack: async ({ params, version }, conn) => {
      const start = parseJSONBody(conn.body);
      const e = execs.get(params.id); // 404 before the connection is taken over
      if (start.Detach) {
        const proc = await execs.start(params.id, consoleSizeOf(start.ConsoleSize));
        proc.stdout.resume(); proc.stderr?.resume();
        conn.socket.end(`HTTP/1.1 200 OK\r\n${Object.entries(commonHeaders()).map(([k, v]) => `${k}: ${v}\r\n`).join('')}Content-Length: 0\r\n\r\n`);
        return;
      }
      const tty = e.config.Tty;
      writeHijackHead(conn.socket, conn.upgrade, streamContentType(version, tty));
      conn.wrote = true;
      let proc;
      try {
        proc = await execs.start(params.id, consoleSizeOf(start.ConsoleSize));
      } catch (err) {
        // After the hijack an error can only travel in the stream: on stdout, as dockerd writes it.
        const text = Buffer.from(`${(err as Error).message}\r\n`);
        conn.socket.end(tty ? text : encodeFrame(StdType.stdout, text));
        return;
      }
      await pumpExec(conn.socket, proc, { tty, stdout: e.config.AttachStdout, stderr: e.config.AttachStderr, rest: conn.rest,
        detachKeys: detachKeysOf(e.config.DetachKeys) });
    },
  });

  router.add('GET', '/exec/{id}/json', plain(({ params }) => execs.inspect(params.id)));
  router.add('POST', '/exec/{id}/resize', plain(({ params, url }, res) => {
    const e = execs.get(params.id);
    const size = terminalSize(url);
    if (e.config.Tty) e.proc?.resize?.(size); // only a terminal has a size
    return emptyOK(res);
  }));
}
