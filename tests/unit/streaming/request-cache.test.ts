// RequestCache: single use, one-minute TTL, a cap on in-flight tokens, with a clock the test moves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RequestCache, TOO_MANY_MESSAGE, tokenPrefix, type CachedRequest } from '../../../src/streaming/request-cache.ts';
import { GrpcCode } from '../../../src/cri/grpc-status.ts';

const exec = (id = 'c1'): CachedRequest => ({ kind: 'exec', req: { container_id: id, cmd: ['date'], tty: false, stdin: false, stdout: true, stderr: true } });

test('a token is 128 random bits in base64url and works exactly once', () => {
  const cache = new RequestCache();
  const token = cache.insert(exec());
  assert.match(token, /^[A-Za-z0-9_-]{22}$/);
  assert.notEqual(cache.insert(exec()), token);
  assert.deepEqual(cache.consume(token), exec());
  assert.equal(cache.consume(token), undefined, 'used');
  assert.equal(cache.consume('AAAAAAAAAAAAAAAAAAAAAA'), undefined, 'guessed');
  assert.equal(tokenPrefix(token), `${token.slice(0, 4)}…`);
});

test('a token expires after one minute, and an expired lookup still removes it', () => {
  let now = 1_000_000;
  const cache = new RequestCache({ clock: () => now });
  const a = cache.insert(exec('a'));
  now += 60_000;
  assert.deepEqual(cache.consume(a), exec('a'), 'alive at exactly the TTL');
  const b = cache.insert(exec('b'));
  now += 60_001;
  assert.equal(cache.size, 1);
  assert.equal(cache.consume(b), undefined, 'expired');
  assert.equal(cache.size, 0, 'consumed even though expired');
});

test('the cap: overflow is RESOURCE_EXHAUSTED, and expired entries are collected on insert', () => {
  let now = 0;
  const cache = new RequestCache({ clock: () => now, maxInFlight: 3 });
  const first = cache.insert(exec('1'));
  now += 30_000;
  cache.insert(exec('2'));
  cache.insert(exec('3'));
  assert.throws(() => cache.insert(exec('4')), (err: Error & { code?: number; details?: string }) => {
    assert.equal(err.code, GrpcCode.RESOURCE_EXHAUSTED);
    assert.equal(err.details, TOO_MANY_MESSAGE);
    return true;
  });
  now += 30_001; // the first has expired, the other two have not
  const fourth = cache.insert(exec('4'));
  assert.equal(cache.size, 3);
  assert.equal(cache.consume(first), undefined, 'collected');
  assert.deepEqual(cache.consume(fourth), exec('4'));
  // Consuming frees a slot at once.
  cache.insert(exec('5'));
  assert.throws(() => cache.insert(exec('6')), /RESOURCE_EXHAUSTED/);
});

test('the default cap is 1000 in-flight requests', () => {
  const cache = new RequestCache();
  for (let i = 0; i < 1000; i++) cache.insert(exec(String(i)));
  assert.throws(() => cache.insert(exec('x')), /maximum number of in-flight requests exceeded/);
});
