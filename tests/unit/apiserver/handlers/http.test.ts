import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loggedURL, negotiate, queryBool } from '../../../../src/apiserver/handlers/http.ts';
import { filterEvent } from '../../../../src/apiserver/handlers/watch.ts';
import { asTable, includeObjectPolicy } from '../../../../src/apiserver/handlers/table.ts';
import { podTable } from '../../../../src/apiserver/printers/pods.ts';
import { StatusError } from '../../../../src/api/status.ts';

test('negotiate: kubectl get asks for a Table, -o yaml and exec for JSON, protobuf alone is 406', () => {
  assert.equal(negotiate('application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json'), 'table');
  assert.equal(negotiate('application/json, */*'), 'json');
  assert.equal(negotiate(undefined), 'json');
  assert.equal(negotiate('*/*'), 'json');
  assert.equal(negotiate('application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json'), 'json');
  assert.throws(() => negotiate('application/vnd.kubernetes.protobuf'), (e: StatusError) => e.code === 406);
});

test('query booleans: false only when absent, "0" or "false" in any case', () => {
  const q = new URLSearchParams('a=true&b=1&c=0&d=FALSE&e=&f=yes');
  assert.deepEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((k) => queryBool(q, k)), [true, true, false, false, true, true, false]);
});

test('watch filtering: objects entering the selector are ADDED, leaving it DELETED', () => {
  const match = (o: { v: number }) => o.v > 0;
  assert.equal(filterEvent({ type: 'MODIFIED', object: { v: 1 }, prev: { v: 0 } }, match)?.type, 'ADDED');
  assert.equal(filterEvent({ type: 'MODIFIED', object: { v: 0 }, prev: { v: 1 } }, match)?.type, 'DELETED');
  assert.equal(filterEvent({ type: 'MODIFIED', object: { v: 2 }, prev: { v: 1 } }, match)?.type, 'MODIFIED');
  assert.equal(filterEvent({ type: 'MODIFIED', object: { v: 0 }, prev: { v: 0 } }, match), undefined);
  assert.equal(filterEvent({ type: 'ADDED', object: { v: 0 } }, match), undefined);
  assert.equal(filterEvent({ type: 'DELETED', object: { v: 1 }, prev: { v: 1 } }, match)?.type, 'DELETED');
});

test('Table rows carry PartialObjectMetadata by default, the object with includeObject=Object, nothing with None', () => {
  const pod = { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c' }] } };
  const meta = asTable(podTable, [pod], '7', includeObjectPolicy(new URLSearchParams()));
  assert.deepEqual(meta.rows[0].object, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: pod.metadata });
  assert.equal(meta.metadata.resourceVersion, '7');
  assert.equal(asTable(podTable, [pod], '7', includeObjectPolicy(new URLSearchParams('includeObject=Object'))).rows[0].object, pod);
  assert.equal(asTable(podTable, [pod], '7', 'None').rows[0].object, undefined);
  assert.throws(() => includeObjectPolicy(new URLSearchParams('includeObject=All')), (e: StatusError) => e.code === 400);
});

test('loggedURL: an exec command is logged as a count of words, everything else as it came', () => {
  assert.equal(loggedURL('/api/v1/namespaces/default/pods/web/exec?command=sh&command=-c&command=curl+-H+%22Authorization%3A+Bearer+s3cr3t%22&stdout=true&stderr=true'),
    '/api/v1/namespaces/default/pods/web/exec?stdout=true&stderr=true [3 command words]');
  assert.equal(loggedURL('/api/v1/namespaces/default/pods/web/exec?command=date'), '/api/v1/namespaces/default/pods/web/exec [1 command word]');
  assert.equal(loggedURL('/api/v1/namespaces/default/pods?labelSelector=app%3Dweb&watch=true'), '/api/v1/namespaces/default/pods?labelSelector=app%3Dweb&watch=true');
  assert.equal(loggedURL('/api/v1/pods'), '/api/v1/pods');
  assert.equal(loggedURL(undefined), '/');
});
