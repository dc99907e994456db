// The REST verbs of one resource over HTTP: list/watch/create on the collection, get/update/patch/delete on an item
// (k8s.io/apiserver/pkg/endpoints/handlers: get.go, create.go, update.go, patch.go, delete.go).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { badRequest, methodNotAllowed, StatusError, unprocessable, unsupportedMediaType } from '../../api/status.ts';
import type { DeleteOptions, Store } from '../registry/store.ts';
import { allVerbs, groupVersion, type KObject, type Verb } from '../registry/strategy.ts';
import { matchesFields, parseFieldSelector } from '../selectors/fields.ts';
import { matchesLabels, parseLabelSelector } from '../selectors/labels.ts';
import { decodeBody, mediaType, negotiate, queryBool, readBody, writeJSON } from './http.ts';
import { applyPatch, JSONPatchError, patchTypeOf } from './patch.ts';
import { asTable, includeObjectPolicy } from './table.ts';
import { serveWatch } from './watch.ts';
import type { RequestContext } from '../request-context.ts';

// `context`: the handler chain's (chapter 9: the user, for the checks a store runs on writes).
export interface ResourceRequest { namespace?: string; name?: string; query: URLSearchParams; context?: RequestContext }

// Objects in a list carry no kind/apiVersion of their own: the list's kind says it all.
const bare = <T extends KObject>(obj: T): T => { const { kind: _k, apiVersion: _a, ...rest } = obj; return rest as T; };

export function selectorFor<T extends KObject>(store: Store<T>, query: URLSearchParams): (obj: T) => boolean {
  const labels = parseLabelSelector(query.get('labelSelector'));
  const fields = parseFieldSelector(query.get('fieldSelector'), store.strategy.fieldLabels);
  return (obj) => matchesLabels(labels, obj.metadata.labels) && matchesFields(fields, store.strategy.selectableFields(obj));
}

// Reads a merge or strategic merge patch; applying it is pure, so a conflict can simply re-apply it.
export async function readPatch<T>(req: IncomingMessage): Promise<(cur: T) => T> {
  const type = patchTypeOf(mediaType(req));
  if (!type) throw unsupportedMediaType(mediaType(req));
  let patch: unknown;
  try { patch = JSON.parse((await readBody(req)).toString('utf8')); } catch (err) {
    throw badRequest(`error decoding patch: ${err instanceof Error ? err.message : String(err)}`);
  }
  return (cur) => {
    try { return applyPatch(type, cur, patch) as T; } catch (err) {
      // The real server answers a JSON patch that does not apply with 422 and the jsonpatch error's text.
      if (err instanceof JSONPatchError) throw unprocessable(err.message);
      throw err;
    }
  };
}

// Patch with retries: the resourceVersion we read is the precondition, unless the patch itself names one.
export async function patchWithRetry<T extends KObject>(store: Store<T>, namespace: string | undefined, name: string,
  apply: (cur: T) => T, update: (next: T) => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const cur = await store.get(namespace, name);
    try { return await update(apply(cur)); } catch (err) {
      const conflict = err instanceof StatusError && err.status.reason === 'Conflict';
      if (!conflict || attempt >= 4 || apply(cur).metadata.resourceVersion !== cur.metadata.resourceVersion) throw err;
    }
  }
}

// DeleteOptions from the body (what kubectl sends), or ?gracePeriodSeconds= on the URL (as curl users do).
async function readDeleteOptions(req: IncomingMessage, query: URLSearchParams): Promise<DeleteOptions> {
  const body = await readBody(req);
  let options: DeleteOptions = {};
  if (body.length) {
    try { options = JSON.parse(body.toString('utf8')) as DeleteOptions; } catch { options = null as unknown as DeleteOptions; }
    if (typeof options !== 'object' || options === null) throw badRequest('the body of the delete request could not be decoded as DeleteOptions');
  }
  const fromQuery = query.get('gracePeriodSeconds');
  const grace = options.gracePeriodSeconds ?? (fromQuery === null ? undefined : Number(fromQuery));
  if (grace !== undefined && !Number.isInteger(grace)) throw badRequest(`invalid gracePeriodSeconds: ${JSON.stringify(grace)}`);
  return { gracePeriodSeconds: grace, preconditions: options.preconditions ?? {} };
}

// #region resource-handler
export async function serveResource<T extends KObject>(req: IncomingMessage, res: ServerResponse, store: Store<T>, r: ResourceRequest): Promise<void> {
  const { namespace, name, query, context } = r;
  // A resource that serves only some verbs (events here are read-only) answers the others 405, as a route never installed.
  const allowed = (verb: Verb) => { if (!(store.strategy.verbs ?? allVerbs).includes(verb)) throw methodNotAllowed(); };
  const apiVersion = groupVersion(store.strategy);
  const format = negotiate(req.headers.accept);
  const send = (code: number, obj: T) =>
    writeJSON(res, code, format === 'table' ? asTable(store.strategy.table, [obj], obj.metadata.resourceVersion, includeObjectPolicy(query)) : obj);

  if (name === undefined) {
    if (req.method === 'GET' && queryBool(query, 'watch')) {
      allowed('watch');
      const timeout = Number(query.get('timeoutSeconds') ?? 0);
      return serveWatch(req, res, store, namespace, {
        resourceVersion: query.get('resourceVersion') ?? undefined,
        timeoutSeconds: Number.isFinite(timeout) && timeout > 0 ? timeout : undefined,
        matches: selectorFor(store, query),
        table: format === 'table' ? includeObjectPolicy(query) : undefined,
      });
    }
    if (req.method === 'GET') {
      allowed('list');
      const { items, resourceVersion } = await store.list(namespace, selectorFor(store, query));
      if (format === 'table') return writeJSON(res, 200, asTable(store.strategy.table, items, resourceVersion, includeObjectPolicy(query)));
      return writeJSON(res, 200, { kind: `${store.strategy.kind}List`, apiVersion, metadata: { resourceVersion }, items: items.map(bare) });
    }
    // A namespaced resource listed across all namespaces (/api/v1/pods) only reads.
    if (req.method === 'POST' && (namespace !== undefined || !store.strategy.namespaced)) {
      allowed('create');
      return send(201, await store.create(namespace, await decodeBody(req, store.strategy.kind, apiVersion, store.strategy.decodeProtobuf) as unknown as T, context));
    }
    throw methodNotAllowed();
  }

  const verb = ({ GET: 'get', PUT: 'update', PATCH: 'patch', DELETE: 'delete' } as const)[req.method as 'GET'];
  if (verb) allowed(verb);
  switch (req.method) {
    case 'GET': return send(200, await store.get(namespace, name));
    case 'PUT': return send(200, await store.update(namespace, name, await decodeBody(req, store.strategy.kind, apiVersion, store.strategy.decodeProtobuf) as unknown as T, context));
    case 'PATCH': {
      const apply = await readPatch<T>(req);
      return send(200, await patchWithRetry(store, namespace, name, apply, (next) => store.update(namespace, name, next, context)));
    }
    // The answer is the object: marked for deletion (a pod on a node), or as it was when removed.
    case 'DELETE': return send(200, await store.delete(namespace, name, await readDeleteOptions(req, query)));
    default: throw methodNotAllowed();
  }
}
// #endregion resource-handler
