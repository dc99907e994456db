// ConnectWithRedirects' rule, answer by answer: only 302, relative to the current location, the host first
// asked, nine redirects at most, and upstream's error texts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectWithRedirects, MAX_REDIRECTS } from '../../../src/streaming/redirect-policy.ts';

const original = new URL('http://10.0.0.5:10250/exec/default/web/web?command=date');
const sameHost = connectWithRedirects({ requireSameHostRedirects: true });
const anyHost = connectWithRedirects({ requireSameHostRedirects: false });
const found = (location?: string) => ({ statusCode: 302, location });

test('only 302 Found is a redirect; every other answer goes on as it is', () => {
  for (const statusCode of [101, 200, 301, 303, 307, 308, 400, 404]) {
    assert.equal(sameHost({ statusCode, location: '/x' }, original, original, 0), undefined, String(statusCode));
  }
});

test('the streaming server on the same host, another port: followed; relative to the current location', () => {
  assert.deepEqual(sameHost(found('http://10.0.0.5:39745/exec/tok'), original, original, 0), { follow: new URL('http://10.0.0.5:39745/exec/tok') });
  const current = new URL('http://10.0.0.5:39745/a/b');
  assert.deepEqual(sameHost(found('c?x=1'), current, original, 1), { follow: new URL('http://10.0.0.5:39745/a/c?x=1') });
});

test('another host is an error against the host first asked, unless same-host is not required', () => {
  assert.deepEqual(sameHost(found('http://10.0.0.6:2379/v3/kv'), original, original, 0), { error: 'hostname mismatch: expected 10.0.0.5, found 10.0.0.6' });
  // A chain cannot walk away: the third hop is compared with the first, not the second.
  const current = new URL('http://10.0.0.5:39745/x');
  assert.deepEqual(sameHost(found('http://[::1]:1/y'), current, original, 2), { error: 'hostname mismatch: expected 10.0.0.5, found ::1' });
  assert.deepEqual(anyHost(found('http://10.0.0.6:2379/v3/kv'), original, original, 0), { follow: new URL('http://10.0.0.6:2379/v3/kv') });
});

test('a 302 without Location, or with one that does not parse, is an error', () => {
  assert.deepEqual(sameHost(found(undefined), original, original, 0), { error: '302 response missing Location header' });
  assert.deepEqual(sameHost(found('http://[bad'), original, original, 0), { error: 'malformed Location header: parse "http://[bad": invalid URL' });
});

test('nine redirects are followed, the tenth is "too many redirects (10)"', () => {
  assert.equal(MAX_REDIRECTS, 9);
  assert.ok('follow' in sameHost(found('/ok'), original, original, 8)!);
  assert.deepEqual(sameHost(found('/one-more'), original, original, 9), { error: 'too many redirects (10)' });
});
