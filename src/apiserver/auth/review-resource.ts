// A review: a resource that is only created, never stored, and answered in its .status (SubjectAccessReview,
// TokenReview, SelfSubjectReview...; upstream each is a rest.Creater whose Create fills in Status and returns the object).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { badRequest, methodNotAllowed } from '../../api/status.ts';
import { ProtobufError } from '../../api/protobuf.ts';
import { decodeBody, mediaType, readBody, writeJSON } from '../handlers/http.ts';
import type { RequestContext } from '../request-context.ts';
import type { ResourceHandler } from '../server.ts';
import { decodeReviewProtobuf } from './review-protobuf.ts';

export interface Review<S> { kind?: string; apiVersion?: string; metadata: { namespace?: string; [k: string]: unknown }; spec?: S; status?: unknown }
export type Answer<S> = (body: Review<S> & { spec: S }, target: { namespace?: string; context: RequestContext }) => Promise<unknown>;

export function reviewResource<S>(group: string, kind: string, resource: string, namespaced: boolean, answer: Answer<S>): ResourceHandler {
  const apiVersion = `${group}/v1`;
  return {
    info: { group, version: 'v1', resource, singular: kind.toLowerCase(), kind, shortNames: [], namespaced, verbs: ['create'] },
    async serve(req: IncomingMessage, res: ServerResponse, target) {
      // Only create is routed; anything else is a route that does not exist for this resource.
      if (req.method !== 'POST' || target.name !== undefined) throw methodNotAllowed();
      const body = await decodeReview<S>(req, kind, apiVersion);
      body.spec ??= {} as S;
      if (namespaced) body.metadata.namespace = target.namespace;
      const status = await answer(body as Review<S> & { spec: S }, target);
      writeJSON(res, 201, { kind, apiVersion, ...body, metadata: { ...body.metadata, creationTimestamp: null }, status });
    },
  };
}

// kubectl's typed client sends protobuf (kubectl auth can-i, auth whoami); curl and client libraries send JSON or YAML.
async function decodeReview<S>(req: IncomingMessage, kind: string, apiVersion: string): Promise<Review<S>> {
  if (mediaType(req) !== 'application/vnd.kubernetes.protobuf') return await decodeBody(req, kind, apiVersion) as unknown as Review<S>;
  let obj;
  try { obj = decodeReviewProtobuf(await readBody(req)); } catch (err) {
    if (!(err instanceof ProtobufError) && !(err instanceof TypeError)) throw err;
    throw badRequest(`the object provided is unrecognized (must be of type ${kind}): ${err.message}`);
  }
  if (obj.kind !== kind || obj.apiVersion !== apiVersion) {
    throw badRequest(`the object provided is unrecognized (must be of type ${kind}): no kind "${obj.kind}" is registered for version "${obj.apiVersion}"`);
  }
  return obj as unknown as Review<S>;
}
