// A ClusterRole labelled to aggregate into view widens view, edit and admin (the chain), and leaves them when deleted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSecure } from '../auth/secure-server.ts';
import { waitFor } from '../../../../src/util/wait.ts';

const widgets = { verbs: ['get', 'list'], apiGroups: ['example.com'], resources: ['widgets'] };

test('aggregation follows the roles: added to view, edit and admin; removed again on delete; alice can then read widgets', async (t) => {
  const s = await startSecure(t);
  await s.bind('alice-view', 'alice', 'ClusterRole', 'view');
  const has = async (role: string) => ((await s.admin('GET', `${s.rbac}/clusterroles/${role}`)).body.rules as object[]).some((r) => JSON.stringify(r) === JSON.stringify(widgets));
  const created = await s.admin('POST', `${s.rbac}/clusterroles`, { metadata: { name: 'widget-reader', labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } }, rules: [widgets] });
  assert.equal(created.code, 201);
  await waitFor(async () => (await has('view')) && (await has('edit')) && (await has('admin')), { what: 'widgets in view, edit and admin', timeoutMs: 30_000 });
  const ssar = await s.call('alice-token', 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
    { kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { namespace: 'default', verb: 'list', group: 'example.com', resource: 'widgets' } } });
  assert.equal(ssar.body.status.allowed, true);
  // Rules written by hand into an aggregated role do not last: the controller owns them.
  assert.equal((await s.admin('DELETE', `${s.rbac}/clusterroles/widget-reader`)).code, 200);
  await waitFor(async () => !(await has('view')) && !(await has('edit')) && !(await has('admin')), { what: 'widgets gone again', timeoutMs: 30_000 });
  assert.ok(await (async () => ((await s.admin('GET', `${s.rbac}/clusterroles/view`)).body.rules as { resources?: string[] }[]).some((r) => r.resources?.includes('pods')))(), 'view keeps its own parts');
});
