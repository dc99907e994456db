// Unit tests for reading an upgrade request's body by Content-Length: the rest of the bytes are the first stdin.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { readUpgradeBody, writeHijackHead } from '../../../src/engine/hijack.ts';

const req = (length?: number) => ({ headers: length === undefined ? {} : { 'content-length': String(length) } }) as IncomingMessage;
const body = '{"Detach":false,"Tty":false}\n';

test('the body whole in head, stdin bytes after it', async () => {
  const got = await readUpgradeBody(req(body.length), new PassThrough(), Buffer.from(body + 'hello'));
  assert.deepEqual([got.body.toString(), got.rest.toString()], [body, 'hello']);
});

test('the body split between head and later reads, the rest kept', async () => {
  const socket = new PassThrough();
  const reading = readUpgradeBody(req(body.length), socket, Buffer.from(body.slice(0, 5)));
  socket.write(body.slice(5, 12));
  socket.write(body.slice(12) + 'std');
  const got = await reading;
  assert.deepEqual([got.body.toString(), got.rest.toString()], [body, 'std']);
  // what comes next is the socket's, for whoever reads stdin
  socket.write('in');
  assert.equal(socket.read()?.toString(), 'in');
});

test('no Content-Length: no body; a bad one or a connection closed early is an error', async () => {
  const got = await readUpgradeBody(req(), new PassThrough(), Buffer.from('stdin'));
  assert.deepEqual([got.body.length, got.rest.toString()], [0, 'stdin']);
  await assert.rejects(readUpgradeBody({ headers: { 'content-length': '-1' } } as unknown as IncomingMessage, new PassThrough(), Buffer.alloc(0)), /bad Content-Length/);
  await assert.rejects(readUpgradeBody(req(1 << 30), new PassThrough(), Buffer.alloc(0)), /bad Content-Length/);
  const socket = new PassThrough();
  const reading = readUpgradeBody(req(100), socket, Buffer.from('{"Det'));
  socket.end();
  await assert.rejects(reading, /connection closed before the request body/);
});

test('the head: 101 UPGRADED on an upgrade, 200 otherwise', () => {
  const s = new PassThrough();
  writeHijackHead(s, true, 'application/vnd.docker.multiplexed-stream');
  assert.equal(s.read().toString(), 'HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
  writeHijackHead(s, false, 'application/vnd.docker.raw-stream');
  assert.equal(s.read().toString(), 'HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\n');
});
