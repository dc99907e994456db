// The -v request log: our lines against lines the real kubectl 1.32.4 printed for the same requests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KlogLogger, goQuote, klogHeader, klogValue } from '../../../src/client/klog.ts';
import { logBody, logRequest, logResponse, truncateBody, canonicalHeaderKey, hexDump } from '../../../src/client/round-trippers.ts';

// Captured from `kubectl --kubeconfig k get po -v=6|7|8` and `kubectl run ... -v=8` against a scratch server (kubectl 1.32.4).
const real = {
  v6: 'I1129 02:09:14.589304    5643 round_trippers.go:560] GET http://127.0.0.1:33061/api/v1/namespaces/default/pods?limit=500 200 OK in 2 milliseconds',
  v7: [
    'I1129 02:09:14.718021    5648 round_trippers.go:470] GET http://127.0.0.1:33061/api/v1/namespaces/default/pods?limit=500',
    'I1129 02:09:14.718031    5648 round_trippers.go:476] Request Headers:',
    'I1129 02:09:14.718040    5648 round_trippers.go:480]     Accept: application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json',
    'I1129 02:09:14.718052    5648 round_trippers.go:480]     User-Agent: kubectl/v1.32.4 (linux/amd64) kubernetes/4cb5f07',
    'I1129 02:09:14.721077    5648 round_trippers.go:581] Response Status: 200 OK in 3 milliseconds',
  ],
  v8: [
    'I1129 02:09:17.894795    5710 round_trippers.go:581] Response Status: 201 Created in 1 milliseconds',
    'I1129 02:09:17.894806    5710 round_trippers.go:584] Response Headers:',
    'I1129 02:09:17.894819    5710 round_trippers.go:587]     Content-Type: application/json',
    'I1129 02:09:17.894824    5710 round_trippers.go:587]     Audit-Id: abc',
  ],
  requestBody: [
    'I1129 02:09:17.892178    5710 helper.go:246] "Request Body" body=<',
    '\t{"kind":"Pod","apiVersion":"v1","metadata":{"name":"web","creationTimestamp":null}}',
    ' >',
  ],
  emptyBody: 'I1129 02:09:14.903603    5653 helper.go:105] "Request Body" body=""',
  responseBody: 'I1129 02:09:27.970429    5880 simple.go:247] "Response Body" body="{\\"kind\\":\\"Status\\",\\"message\\":\\"pods \\\\\\"p1\\\\\\" not found\\"}"',
  upgrade: 'I1129 02:09:46.974112    6287 round_trippers.go:581] Response Status: 101 Switching Protocols in 11 milliseconds',
  configLoaded: 'I1129 02:09:14.569110    5643 loader.go:402] Config loaded from file:  kubeconfig',
};

// A logger whose clock and pid reproduce a captured line's header, so whole lines compare.
function loggerAt(line: string, verbosity: number) {
  const m = /^I(\d\d)(\d\d) (\d\d):(\d\d):(\d\d)\.(\d{6}) +(\d+) /.exec(line)!;
  const at = new Date(Date.UTC(2026, Number(m[1]) - 1, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])));
  const lines: string[] = [];
  const log = new KlogLogger(verbosity, (l) => lines.push(...l.replace(/\n$/, '').split('\n')), () => ({ at, micros: Number(m[6]) }), Number(m[7]));
  return { log, lines };
}
const header = (line: string) => line.slice(0, line.indexOf('] ') + 2);
const body = (line: string) => line.slice(line.indexOf('] ') + 2);

test('klog header: date, microseconds, pid right-aligned in 7 columns, file:line', () => {
  const at = new Date(Date.UTC(2026, 10, 29, 2, 9, 14));
  assert.equal(klogHeader('I', 'round_trippers.go:560', at, 589304, 5643), header(real.v6));
  assert.equal(klogHeader('I', 'x.go:1', at, 7, 1234567), 'I1129 02:09:14.000007 1234567 x.go:1] ');
});

test('-v=6: one line with verb, URL, status and milliseconds', () => {
  const { log, lines } = loggerAt(real.v6, 6);
  const url = 'http://127.0.0.1:33061/api/v1/namespaces/default/pods?limit=500';
  logRequest(log, 'GET', url, { Accept: 'x' });
  logResponse(log, 'GET', url, { statusCode: 200, statusMessage: 'OK', headers: { 'content-type': 'application/json' } }, 2);
  assert.deepEqual(lines, [real.v6]);
});

test('-v=7: request line, request headers, response status; no response headers', () => {
  const { log, lines } = loggerAt(real.v7[0], 7);
  const url = 'http://127.0.0.1:33061/api/v1/namespaces/default/pods?limit=500';
  logRequest(log, 'GET', url, {
    Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json',
    'User-Agent': 'kubectl/v1.32.4 (linux/amd64) kubernetes/4cb5f07',
  });
  logResponse(log, 'GET', url, { statusCode: 200, statusMessage: 'OK', headers: { 'audit-id': 'abc' } }, 3);
  assert.deepEqual(lines.map(body), real.v7.map(body));
  assert.deepEqual(lines.map((l) => l.split('] ')[0].split(' ').pop()), real.v7.map((l) => l.split('] ')[0].split(' ').pop()));
  assert.equal(lines[0], real.v7[0]);
});

test('-v=8: response headers (canonical names, no Transfer-Encoding) and bodies', () => {
  const { log, lines } = loggerAt(real.v8[0], 8);
  logResponse(log, 'POST', 'http://x/api', { statusCode: 201, statusMessage: 'Created', headers: { 'content-type': 'application/json', 'audit-id': 'abc', 'transfer-encoding': 'chunked' } }, 1);
  assert.deepEqual(lines.map(body), real.v8.map(body));
  assert.equal(lines[0], real.v8[0]);

  const req = loggerAt(real.requestBody[0], 8);
  logBody(req.log, 'helper.go:246', 'Request Body', '{"kind":"Pod","apiVersion":"v1","metadata":{"name":"web","creationTimestamp":null}}\n');
  assert.deepEqual(req.lines, real.requestBody);

  const empty = loggerAt(real.emptyBody, 8);
  logBody(empty.log, 'helper.go:105', 'Request Body', '');
  assert.deepEqual(empty.lines, [real.emptyBody]);

  const res = loggerAt(real.responseBody, 8);
  logBody(res.log, 'simple.go:247', 'Response Body', '{"kind":"Status","message":"pods \\"p1\\" not found"}');
  assert.deepEqual(res.lines, [real.responseBody]);
});

test('the 101 of an upgrade and the config line have the same shapes', () => {
  const up = loggerAt(real.upgrade, 7);
  logResponse(up.log, 'GET', 'http://x', { statusCode: 101, statusMessage: 'Switching Protocols', headers: {} }, 11);
  assert.deepEqual(up.lines, [real.upgrade]);
  const cfg = loggerAt(real.configLoaded, 6);
  cfg.log.info(6, 'loader.go:402', 'Config loaded from file:  kubeconfig');
  assert.deepEqual(cfg.lines, [real.configLoaded]);
});

test('nothing is logged below the level', () => {
  const { log, lines } = loggerAt(real.v6, 5);
  logRequest(log, 'GET', 'http://x', {});
  logResponse(log, 'GET', 'http://x', { statusCode: 200, statusMessage: 'OK', headers: {} }, 1);
  logBody(log, 'a.go:1', 'Response Body', 'x');
  assert.deepEqual(lines, []);
});

test('bodies are truncated as kubectl truncates them: 1024 chars at -v=8, 10240 at -v=9', () => {
  const long = 'a'.repeat(3850);
  assert.equal(truncateBody(long, 8), `${'a'.repeat(1024)} [truncated 2826 chars]`);
  assert.equal(truncateBody(long, 9), long);
  assert.equal(truncateBody('a'.repeat(10241), 9), `${'a'.repeat(10240)} [truncated 1 chars]`);
  assert.equal(truncateBody('a'.repeat(20000), 10).length, 20000);
});

test('Authorization is masked; header names are canonical', () => {
  const { log, lines } = loggerAt(real.v7[0], 7);
  logRequest(log, 'GET', 'https://x', { Authorization: 'Bearer secret-token', 'sec-websocket-protocol': 'v5.channel.k8s.io' });
  assert.ok(lines.some((l) => l.endsWith('    Authorization: Bearer <masked>')));
  assert.ok(!lines.some((l) => l.includes('secret-token')));
  assert.equal(canonicalHeaderKey('sec-websocket-protocol'), 'Sec-Websocket-Protocol');
});

test('Go quoting and klog multi-line values', () => {
  assert.equal(goQuote('a"b\\c\n\x01é'), '"a\\"b\\\\c\\n\\x01é"');
  assert.equal(klogValue('one\ntwo'), '<\n\tone\n\ttwo\n >');
  assert.equal(klogValue('one\n'), '<\n\tone\n >');
  assert.equal(hexDump(Buffer.from('hello\x00')), '00000000  68 65 6c 6c 6f 00                                 |hello.|\n');
});
