// Just enough OpenAPI v3 for kubectl create/apply -f: each resource's operations declare that they take ?fieldValidation,
// so kubectl leaves validation to the server instead of downloading schemas (staging/src/k8s.io/kube-openapi, and
// kubectl's QueryParamVerifierV3). The real documents also carry every schema; ours carry none.
import type { KObject, RESTStrategy } from './registry/strategy.ts';

export const openAPIV3Hash = 'workbook-v1';

export function openAPIV3Root() {
  return { paths: { 'api/v1': { serverRelativeURL: `/openapi/v3/api/v1?hash=${openAPIV3Hash}` } } };
}

export function openAPIV3CoreV1(strategies: RESTStrategy<KObject>[]) {
  const fieldValidation = { name: 'fieldValidation', in: 'query', schema: { type: 'string', uniqueItems: true } };
  const op = (kind: string, action: string) => ({
    parameters: [fieldValidation],
    responses: {},
    'x-kubernetes-action': action,
    // kubectl finds "the PATCH operation of this kind" by this extension, then looks for fieldValidation in it.
    'x-kubernetes-group-version-kind': { group: '', version: 'v1', kind },
  });
  const paths: Record<string, unknown> = {};
  for (const s of strategies) {
    const collection = s.namespaced ? `/api/v1/namespaces/{namespace}/${s.resource}` : `/api/v1/${s.resource}`;
    paths[collection] = { post: op(s.kind, 'post') };
    paths[`${collection}/{name}`] = { put: op(s.kind, 'put'), patch: op(s.kind, 'patch') };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.32.0' }, paths, components: { schemas: {} } };
}
