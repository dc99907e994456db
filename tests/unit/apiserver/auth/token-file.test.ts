import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { BearerTokenAuthenticator, parseCSV, TokenFileAuthenticator } from '../../../../src/apiserver/auth/token-file.ts';

const req = (authorization?: string) => ({ headers: authorization === undefined ? {} : { authorization } }) as unknown as IncomingMessage;

test('the token file: token,user,uid,"group1,group2", quoted fields, blank lines; fewer than 3 columns is an error', () => {
  assert.deepEqual(parseCSV('a,b,c\n\n  "x,y",z,"w ""q"""\n'), [['a', 'b', 'c'], ['x,y', 'z', 'w "q"']]);
  const warnings: string[] = [];
  const file = new TokenFileAuthenticator('t1,alice,100\nt2,bob,101,"dev, ops"\n,nobody,3\nt1,again,4\n', (w) => warnings.push(w));
  assert.deepEqual(file.authenticateToken('t2'), { name: 'bob', uid: '101', groups: ['dev', 'ops'] });
  assert.deepEqual(file.authenticateToken('t1'), { name: 'again', uid: '4', groups: [] }, 'a duplicate token: the last line wins, with a warning');
  assert.equal(file.authenticateToken('t3'), undefined);
  assert.equal(file.authenticateToken(''), undefined);
  assert.deepEqual(warnings, ['empty token has been found in token file, line 3', 'duplicate token has been found in token file, line 4']);
  assert.throws(() => new TokenFileAuthenticator('t,alice\n'), /token file must have at least 3 columns \(token, user name, user uid\), found 2/);
  assert.throws(() => parseCSV('"open,alice,1\n'), /unterminated quoted field/);
});

test('bearer tokens: any case of "Bearer"; no header or another scheme is no credential; an unknown token is an error', async () => {
  const a = new BearerTokenAuthenticator(new TokenFileAuthenticator('secret,alice,1\n'));
  const ok = req('bearer secret');
  assert.deepEqual(await a.authenticateRequest(ok), { name: 'alice', uid: '1', groups: [] });
  assert.equal(ok.headers.authorization, undefined, 'the header is dropped once used, so it never travels to a kubelet');
  assert.equal(await a.authenticateRequest(req()), undefined);
  assert.equal(await a.authenticateRequest(req('Basic YWxpY2U6cHc=')), undefined);
  assert.equal(await a.authenticateRequest(req('Bearer ')), undefined);
  await assert.rejects(a.authenticateRequest(req('Bearer guess')), /invalid bearer token/);
});

test('system:authenticated is added to every user but one who is anonymous by name or in system:unauthenticated', async () => {
  const { withAuthenticatedGroup } = await import('../../../../src/apiserver/auth/authenticator.ts');
  const file = new TokenFileAuthenticator('t1,alice,1,dev\nt2,guest,2,system:unauthenticated\nt3,system:anonymous,3\nt4,bob,4,system:authenticated\n');
  const a = withAuthenticatedGroup(new BearerTokenAuthenticator(file));
  const groups = async (token: string) => (await a.authenticateRequest(req(`Bearer ${token}`)))?.groups;
  assert.deepEqual(await groups('t1'), ['dev', 'system:authenticated']);
  assert.deepEqual(await groups('t2'), ['system:unauthenticated']);
  assert.deepEqual(await groups('t3'), []);
  assert.deepEqual(await groups('t4'), ['system:authenticated']);
});
