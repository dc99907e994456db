// Unit tests for subprotocol negotiation: the client's order wins, no header means channel.k8s.io, none of ours is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectProtocol, parseProtocolHeader, protocolInfo, Channel } from '../../../src/remotecommand/protocols.ts';

test('channel ids match apimachinery constants', () => {
  assert.deepEqual(Channel, { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 });
});

test('kubectl offers only v5', () => {
  assert.equal(selectProtocol(parseProtocolHeader('v5.channel.k8s.io'))?.name, 'v5.channel.k8s.io');
});

test("client-node's list: the first one we speak, in the client's order", () => {
  const offered = parseProtocolHeader('v5.channel.k8s.io,v4.channel.k8s.io,v3.channel.k8s.io,v2.channel.k8s.io,channel.k8s.io');
  assert.equal(selectProtocol(offered)?.name, 'v5.channel.k8s.io');
  assert.equal(selectProtocol(parseProtocolHeader('v3.channel.k8s.io, base64.channel.k8s.io, v4.channel.k8s.io'))?.name, 'base64.channel.k8s.io');
  assert.equal(selectProtocol(parseProtocolHeader(['v2.channel.k8s.io', 'v4.base64.channel.k8s.io']))?.name, 'v4.base64.channel.k8s.io');
});

test('no header speaks binary channel.k8s.io; only unknown protocols are refused', () => {
  const none = selectProtocol([]);
  assert.equal(none?.name, '');
  assert.equal(none?.statusJson, false);
  assert.equal(none?.base64, false);
  assert.equal(selectProtocol(parseProtocolHeader('v3.channel.k8s.io,foo')), null);
});

test('protocol properties', () => {
  assert.deepEqual(protocolInfo('v5.channel.k8s.io'), { name: 'v5.channel.k8s.io', base64: false, statusJson: true, closeSignal: true });
  assert.equal(protocolInfo('v4.channel.k8s.io')?.closeSignal, false);
  assert.equal(protocolInfo('base64.channel.k8s.io')?.statusJson, false);
  assert.equal(protocolInfo('v3.channel.k8s.io'), undefined);
});
