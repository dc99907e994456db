import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluatePolicy, parsePolicy, type Policy, type PolicyAttributes } from '../../../../src/apiserver/audit/policy.ts';
import { defaultAuditPolicy } from '../../../../src/apiserver/audit/default-policy.ts';
import { microTime } from '../../../../src/apiserver/audit/event.ts';
import { redactExecURI } from '../../../../src/apiserver/audit/redact.ts';
import { WebSocketErrorChannel } from '../../../../src/apiserver/audit/ws-error-channel.ts';
import { execOutcome } from '../../../../src/apiserver/audit/exec-outcome.ts';
import { ResponseHeadReader } from '../../../../src/apiserver/audit/response-head.ts';
import { ExecSessionObserver } from '../../../../src/apiserver/audit/exec-session.ts';
import { encodeBinaryFrame, encodeCloseFrame, encodeTextFrame } from '../../../../src/proxy/ws-frames.ts';
import { sourceIPs } from '../../../../src/apiserver/audit/auditor.ts';

const exec: PolicyAttributes = { verb: 'create', isResourceRequest: true, path: '/api/v1/namespaces/default/pods/web/exec',
  apiGroup: '', resource: 'pods', subresource: 'exec', namespace: 'default', name: 'web', user: { username: 'bob', groups: ['dev', 'system:authenticated'] } };
const getPod: PolicyAttributes = { ...exec, verb: 'get', subresource: undefined, path: '/api/v1/namespaces/default/pods/web' };
const healthz: PolicyAttributes = { verb: 'get', isResourceRequest: false, path: '/healthz' };

test('policy: the first matching rule decides, with users, groups, verbs, resources, subresource forms and non-resource URLs', () => {
  const policy = (rules: Policy['rules'], omitStages?: Policy['omitStages']): Policy => ({ apiVersion: 'audit.k8s.io/v1', kind: 'Policy', rules, omitStages });
  const level = (rules: Policy['rules'], a: PolicyAttributes) => evaluatePolicy(policy(rules), a).level;
  assert.equal(level([{ level: 'Request', resources: [{ group: '', resources: ['pods/exec'] }] }], exec), 'Request');
  assert.equal(level([{ level: 'Request', resources: [{ group: '', resources: ['pods'] }] }], exec), 'None', 'pods does not cover pods/exec');
  assert.equal(level([{ level: 'Request', resources: [{ group: '', resources: ['pods/*'] }] }], exec), 'Request');
  assert.equal(level([{ level: 'Request', resources: [{ group: '', resources: ['*/exec'] }] }], exec), 'Request');
  assert.equal(level([{ level: 'Request', resources: [{ group: '', resources: ['*/exec'] }] }], getPod), 'None');
  assert.equal(level([{ level: 'Request', resources: [{ group: 'apps', resources: ['*'] }] }], exec), 'None', 'another group');
  assert.equal(level([{ level: 'Request', resources: [{ group: '', resources: ['pods/exec'], resourceNames: ['db'] }] }], exec), 'None');
  assert.equal(level([{ level: 'Metadata', users: ['alice'] }, { level: 'Request', userGroups: ['dev'] }], exec), 'Request');
  assert.equal(level([{ level: 'Metadata', verbs: ['get'] }], exec), 'None');
  assert.equal(level([{ level: 'Metadata', namespaces: ['kube-system'] }], exec), 'None');
  assert.equal(level([{ level: 'Metadata', nonResourceURLs: ['/health*'] }], healthz), 'Metadata');
  assert.equal(level([{ level: 'Metadata', nonResourceURLs: ['/health*'] }], exec), 'None', 'a resource request is no URL');
  assert.equal(level([{ level: 'Metadata', resources: [{ group: '' }] }], healthz), 'None', 'a URL is no resource');
  assert.deepEqual(evaluatePolicy(policy([{ level: 'Metadata', omitStages: ['ResponseStarted'] }], ['RequestReceived']), exec).omitStages, ['RequestReceived', 'ResponseStarted']);
});

test('the default policy logs exec (GET and POST) at Metadata, drops reads and heartbeats, keeps other changes', () => {
  assert.equal(evaluatePolicy(defaultAuditPolicy, exec).level, 'Metadata');
  assert.equal(evaluatePolicy(defaultAuditPolicy, { ...exec, verb: 'get' }).level, 'Metadata');
  assert.equal(evaluatePolicy(defaultAuditPolicy, getPod).level, 'None');
  assert.equal(evaluatePolicy(defaultAuditPolicy, { ...getPod, verb: 'update', apiGroup: 'coordination.k8s.io', resource: 'leases' }).level, 'None');
  assert.deepEqual(evaluatePolicy(defaultAuditPolicy, { ...getPod, verb: 'delete' }), { level: 'Metadata', omitStages: ['RequestReceived'] });
});

test('parsePolicy reads YAML and refuses what validation refuses, naming the field', () => {
  const p = parsePolicy('apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n- level: Metadata\n  resources:\n  - group: ""\n    resources: ["pods/exec"]\n');
  assert.deepEqual(p.rules[0], { level: 'Metadata', resources: [{ group: '', resources: ['pods/exec'] }] });
  assert.throws(() => parsePolicy('apiVersion: audit.k8s.io/v1beta1\nkind: Policy\nrules: [{level: None}]'), /want apiVersion audit.k8s.io\/v1/);
  assert.throws(() => parsePolicy('apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: []'), /0 rules/);
  assert.throws(() => parsePolicy('apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [{level: Verbose}]'), /rules\[0\]\.level: Unsupported value: "Verbose"/);
  assert.throws(() => parsePolicy('apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [{level: None, omitStages: [Started]}]'), /rules\[0\]\.omitStages\[0\]: Unsupported value: "Started"/);
  assert.throws(() => parsePolicy('apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [{level: None, nonResourceURLs: ["/x"], resources: [{group: ""}]}]'), /cannot apply to both/);
  assert.throws(() => parsePolicy('{{{'), /failed decoding/);
});

test('microTime has six fractional digits in UTC', () => {
  assert.equal(microTime(Date.UTC(2026, 11, 2, 8, 0, 0, 123) * 1000 + 456), '2026-12-02T08:00:00.123456Z');
  assert.equal(microTime(Date.UTC(2026, 11, 2, 8, 0, 0, 0) * 1000 + 7), '2026-12-02T08:00:00.000007Z');
});

test('redaction keeps argv[0] and replaces the other command values below level Request; keeps everything from Request', () => {
  const uri = '/api/v1/namespaces/default/pods/web/exec?command=mysql&command=-pHunter2&command=db&container=app&stdout=true';
  assert.equal(redactExecURI(uri, 'Metadata'), '/api/v1/namespaces/default/pods/web/exec?command=mysql&command=[redacted]&command=[redacted]&container=app&stdout=true');
  assert.equal(redactExecURI(uri, 'Request'), uri);
  assert.equal(redactExecURI(uri, 'RequestResponse'), uri);
  // An escaped key is still the command key.
  assert.equal(redactExecURI('/x?comm%61nd=sh&comm%61nd=-c&command=secret', 'Metadata'), '/x?comm%61nd=sh&comm%61nd=[redacted]&command=[redacted]');
  assert.equal(redactExecURI('/x', 'Metadata'), '/x');
});

// What a server writes on a remotecommand WebSocket: [channel, ...payload] messages.
const msg = (ch: number, text: string) => encodeBinaryFrame(Buffer.concat([Buffer.from([ch]), Buffer.from(text)]));
const exit3 = '{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: exit status 3","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"3"}]}}';

test('the WebSocket error channel is found among other channels, byte by byte, in binary and base64 protocols', () => {
  const wire = Buffer.concat([msg(1, ''), msg(1, 'x'.repeat(70_000)), msg(2, 'err'), msg(3, exit3), encodeCloseFrame(1000)]);
  const ch = new WebSocketErrorChannel(false);
  for (const b of wire) ch.push(Buffer.from([b]));
  assert.deepEqual([ch.errorBytes().toString(), ch.closed, ch.broken], [exit3, true, false]);
  const b64 = new WebSocketErrorChannel(true);
  b64.push(Buffer.concat([encodeTextFrame('1aGk='), encodeTextFrame(`3${Buffer.from(exit3).toString('base64')}`)]));
  assert.equal(b64.errorBytes().toString(), exit3);
  const deflated = new WebSocketErrorChannel(false);
  deflated.push(Buffer.from([0xc2, 0x02, 0x03, 0x00]));
  assert.equal(deflated.broken, true, 'a compressed frame (RSV1) is not read as plain');
  const garbage = new WebSocketErrorChannel(false);
  garbage.push(Buffer.from('\x03\x00GET / HTTP/1.1\r\n'));
  assert.equal(garbage.broken, true);
});

test('execOutcome reads the error stream as client-go does for the version', () => {
  assert.deepEqual(execOutcome('v5.channel.k8s.io', Buffer.from(exit3), true), { exitCode: 3 });
  assert.deepEqual(execOutcome('v4.channel.k8s.io', Buffer.from('{"metadata":{},"status":"Success"}'), true), { exitCode: 0 });
  assert.deepEqual(execOutcome('v5.channel.k8s.io', Buffer.from('{"metadata":{},"status":"Failure","reason":"InternalError","message":"Internal error occurred: boom","code":500}'), true),
    { error: 'InternalError: Internal error occurred: boom' });
  assert.match(execOutcome('v5.channel.k8s.io', Buffer.alloc(0), false).error!, /without a status/);
  assert.deepEqual(execOutcome('channel.k8s.io', Buffer.alloc(0), true), { exitCode: 0 });
  assert.deepEqual(execOutcome('channel.k8s.io', Buffer.from('command terminated'), true), { error: 'command terminated' });
  assert.ok(execOutcome('v4.channel.k8s.io', Buffer.from('{"status":"Failure","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"300"}]}}'), true).error);
});

test('the response head reader finds 101 and hands on the rest; a refusal keeps its Status body', () => {
  const r = new ResponseHeadReader();
  assert.equal(r.push(Buffer.from('HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Protocol: v5.channel.k8s.io\r\n')), undefined);
  assert.deepEqual(r.push(Buffer.from('\r\n\x82\x01\x01', 'latin1')), Buffer.from('\x82\x01\x01', 'latin1'));
  assert.deepEqual(r.head, { code: 101, headers: { 'sec-websocket-protocol': 'v5.channel.k8s.io' } });
  const refused = new ResponseHeadReader();
  refused.push(Buffer.from('HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\n\r\n{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",'));
  refused.push(Buffer.from('"message":"no","reason":"Forbidden","code":403}'));
  assert.deepEqual([refused.head?.code, refused.status()?.message], [403, 'no']);
});

test('the session observer counts bytes after the head each way and reads the exit code of a WebSocket session', () => {
  const o = new ExecSessionObserver('websocket');
  o.fromClient(Buffer.from('early'));
  o.toClient(Buffer.from('HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Protocol: v5.channel.k8s.io\r\n\r\n'));
  const out = Buffer.concat([msg(1, 'hi\n'), msg(3, exit3), encodeCloseFrame()]);
  o.toClient(out);
  o.fromClient(Buffer.from('1234'));
  assert.deepEqual(o.record(), { code: 101, status: undefined, protocol: 'v5.channel.k8s.io', bytesFromClient: 9, bytesToClient: out.length, outcome: { exitCode: 3 } });
  const spdy = new ExecSessionObserver('spdy');
  spdy.toClient(Buffer.from('HTTP/1.1 101 Switching Protocols\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\n'));
  assert.equal(spdy.record().outcome!.error!, 'no SPDY reader was given');
});

test('sourceIPs: X-Forwarded-For entries, then X-Real-Ip, then the peer, each once', () => {
  const req = { headers: { 'x-forwarded-for': '10.0.0.1, 10.0.0.2', 'x-real-ip': '10.0.0.2' }, socket: { remoteAddress: '::ffff:127.0.0.1' } };
  assert.deepEqual(sourceIPs(req as never), ['10.0.0.1', '10.0.0.2', '127.0.0.1']);
  assert.deepEqual(sourceIPs({ headers: {}, socket: { remoteAddress: '::1' } } as never), ['::1']);
});
