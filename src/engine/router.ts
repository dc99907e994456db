// A route table for the Engine API: method + path pattern ("/containers/{name}/exec") → handler with its parameters
// (gorilla/mux under moby api/server/router). Pure: matching only; the server owns the sockets.
export interface Route<H> { method: string; pattern: string; handler: H }
export interface Match<H> { handler: H; params: Record<string, string> }

function matchPattern(pattern: string, path: string): Record<string, string> | undefined {
  const ps = pattern.split('/'), xs = path.split('/');
  // {name:.*} takes the rest of the path: image names hold slashes ("docker.io/library/busybox").
  const params: Record<string, string> = {};
  for (let i = 0; i < ps.length; i++) {
    const p = ps[i];
    if (p === '{name:.*}') {
      const rest = xs.slice(i, xs.length - (ps.length - 1 - i)).join('/');
      if (!rest) return undefined;
      params.name = decodeURIComponent(rest);
      const tail = ps.slice(i + 1), xtail = xs.slice(xs.length - tail.length);
      return tail.every((t, j) => t === xtail[j]) ? params : undefined;
    }
    if (i >= xs.length) return undefined;
    const m = /^\{(\w+)\}$/.exec(p);
    if (m) {
      if (!xs[i]) return undefined;
      try { params[m[1]] = decodeURIComponent(xs[i]); } catch { return undefined; }
    } else if (p !== xs[i]) return undefined;
  }
  return xs.length === ps.length ? params : undefined;
}

export class Router<H> {
  private routes: Route<H>[] = [];
  add(method: string, pattern: string, handler: H): this { this.routes.push({ method, pattern, handler }); return this; }

  // undefined: no route has this path (404 "page not found"); 'method': the path exists for another method (405).
  match(method: string, path: string): Match<H> | 'method' | undefined {
    let other = false;
    for (const r of this.routes) {
      const params = matchPattern(r.pattern, path);
      if (!params) continue;
      if (r.method === method || (method === 'HEAD' && r.method === 'GET')) return { handler: r.handler, params };
      other = true;
    }
    return other ? 'method' : undefined;
  }
}
