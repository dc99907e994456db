// Request paths as Go reads them: which %-escapes are malformed, and byte-wise unescaping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { malformedPathEscape, unescapePathSegment } from '../../../src/util/request-uri.ts';

test('a %-escape without two hex digits is malformed; the query is not checked', () => {
  assert.equal(malformedPathEscape('/api/v1/namespaces/%zz/pods'), '%zz');
  assert.equal(malformedPathEscape('/api/v1/namespaces/default/pods/web%'), '%');
  assert.equal(malformedPathEscape('/api/v1/namespaces/default/pods/w%4'), '%4');
  assert.equal(malformedPathEscape('/api/v1/namespaces/default/pods/%4g'), '%4g');
  assert.equal(malformedPathEscape('/api/v1/namespaces/default/pods/w%2Fb%ffc'), undefined);
  assert.equal(malformedPathEscape('/api/v1/namespaces/default/pods/web/exec?command=%zz'), undefined);
});

test('unescaping is byte-wise: UTF-8 escapes decode, bytes that are not UTF-8 become U+FFFD instead of throwing', () => {
  assert.equal(unescapePathSegment('web'), 'web');
  assert.equal(unescapePathSegment('a%2Fb'), 'a/b');
  assert.equal(unescapePathSegment('caf%C3%A9'), 'café');
  assert.equal(unescapePathSegment('%ff'), '\uFFFD');
  assert.equal(unescapePathSegment('é%41'), 'éA');
});
