// Field numbers and types of our runtime.v1 proto, checked against protobuf bytes computed by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { packageDefinition } from '../../../src/cri/proto.ts';

type Method = { requestSerialize(v: object): Buffer; responseSerialize(v: object): Buffer; requestDeserialize(b: Buffer): object; responseDeserialize(b: Buffer): object };
const rpc = (name: string) => (packageDefinition['runtime.v1.RuntimeService'] as unknown as Record<string, Method>)[name]!;
const hex = (s: string) => s.replace(/\s+/g, '');

// These go through proto-loader's serializers: the very functions grpc-js calls on the wire.
test('ExecRequest: container_id=1 cmd=2 tty=3 stdin=4 stdout=5 stderr=6', () => {
  const bytes = rpc('Exec').requestSerialize({ container_id: 'abc', cmd: ['date', '-u'], stdin: true, stdout: true, stderr: true });
  // 0a 03 "abc" | 12 04 "date" | 12 02 "-u" | (tty unset: absent) | 20 01 | 28 01 | 30 01
  assert.equal(bytes.toString('hex'), hex('0a03616263 120464617465 12022d75 2001 2801 3001'));
  // protobufjs writes a field that is set, even to its default (Go omits it); both decode the same.
  const explicit = rpc('Exec').requestSerialize({ container_id: 'abc', cmd: ['date', '-u'], tty: false, stdin: true, stdout: true, stderr: true });
  assert.equal(explicit.toString('hex'), hex('0a03616263 120464617465 12022d75 1800 2001 2801 3001'));
  assert.deepEqual(rpc('Exec').requestDeserialize(explicit), rpc('Exec').requestDeserialize(bytes));
  assert.deepEqual(rpc('Exec').requestDeserialize(Buffer.from(hex('0a0161 1803 2800'), 'hex')),
    { container_id: 'a', cmd: [], tty: true, stdin: false, stdout: false, stderr: false });
});

test('AttachRequest: the field order differs from ExecRequest (stdin=2 tty=3 stdout=4 stderr=5)', () => {
  const bytes = rpc('Attach').requestSerialize({ container_id: 'abc', stdin: true, tty: true, stdout: true });
  assert.equal(bytes.toString('hex'), hex('0a03616263 1001 1801 2001'));
  // tty alone is field 3 in both messages; stderr is 5 here but 6 in ExecRequest.
  assert.equal(rpc('Attach').requestSerialize({ tty: true, stderr: true }).toString('hex'), '18012801');
  assert.equal(rpc('Exec').requestSerialize({ tty: true, stderr: true }).toString('hex'), '18013001');
});

test('ExecSyncRequest and ExecSyncResponse: int64 timeout, bytes outputs, int32 exit code', () => {
  assert.equal(rpc('ExecSync').requestSerialize({ container_id: 'c1', cmd: ['ls'], timeout: 300 }).toString('hex'), hex('0a026331 12026c73 18ac02'));
  assert.equal(rpc('ExecSync').requestSerialize({ container_id: 'c1', cmd: ['ls'], timeout: '300' }).toString('hex'), hex('0a026331 12026c73 18ac02'));
  // A negative int32 is sign-extended to ten varint bytes.
  assert.equal(rpc('ExecSync').responseSerialize({ stdout: Buffer.from('hi\n'), exit_code: -1 }).toString('hex'),
    hex('0a0368690a 18ffffffffffffffffff01'));
  const back = rpc('ExecSync').responseDeserialize(Buffer.from(hex('0a0368690a 120165 1807'), 'hex')) as { stdout: Buffer; stderr: Buffer; exit_code: number };
  assert.equal(back.stdout.toString(), 'hi\n');
  assert.equal(back.stderr.toString(), 'e');
  assert.equal(back.exit_code, 7);
});

test('ContainerStatusResponse: status=1 (state=3 finished_at=6 exit_code=7), info=2 map', () => {
  const bytes = rpc('ContainerStatus').responseSerialize({
    status: { id: 'c', state: 'CONTAINER_EXITED', finished_at: '1700000000000000000', exit_code: 137 },
    info: { a: 'b' },
  });
  // status: 0a 12 { 0a 01 "c" | 18 02 | 30 <varint 1.7e18: 9 bytes> | 38 89 01 }, info: 12 06 { 0a 01 "a" | 12 01 "b" }
  assert.equal(bytes.toString('hex'), hex('0a12 0a0163 1802 308080a8b1e39fe7cb17 388901 1206 0a0161 120162'));
  const back = rpc('ContainerStatus').responseDeserialize(bytes) as { status: { finished_at: string; state: string; exit_code: number } };
  assert.equal(back.status.finished_at, '1700000000000000000', 'int64 nanoseconds survive as strings');
  assert.equal(back.status.state, 'CONTAINER_EXITED');
  assert.equal(back.status.exit_code, 137);
});

test('ListContainersRequest: filter=1 { state=2 { state=1 }, label_selector=4 map }', () => {
  const bytes = rpc('ListContainers').requestSerialize({ filter: { state: { state: 'CONTAINER_RUNNING' }, label_selector: { k: 'v' } } });
  assert.equal(bytes.toString('hex'), hex('0a0c 1202 0801 2206 0a016b 120176'));
});

test('VersionResponse, ExecResponse, CreateContainerRequest and ContainerMetadata numbers', () => {
  assert.equal(rpc('Version').responseSerialize({ version: '0.1.0', runtime_name: 'x', runtime_version: 'y', runtime_api_version: 'v1' }).toString('hex'),
    hex('0a05302e312e30 120178 1a0179 22027631'));
  assert.equal(rpc('Exec').responseSerialize({ url: 'u' }).toString('hex'), '0a0175');
  // pod_sandbox_id=1, config=2 { metadata=1 { name=1, attempt=2 }, image=2 { image=1 }, command=3, envs=6 { key=1 value=2 } }
  const bytes = rpc('CreateContainer').requestSerialize({
    pod_sandbox_id: 's',
    config: { metadata: { name: 'n', attempt: 1 }, image: { image: 'i' }, command: ['c'], envs: [{ key: 'K', value: 'V' }] },
  });
  assert.equal(bytes.toString('hex'), hex('0a0173 1217 0a05 0a016e 1001 1203 0a0169 1a0163 3206 0a014b 120156'));
  // PodSandboxConfig metadata { name=1, uid=2, namespace=3, attempt=4 }
  assert.equal(rpc('RunPodSandbox').requestSerialize({ config: { metadata: { name: 'p', uid: 'u', namespace: 'd', attempt: 2 } } }).toString('hex'),
    hex('0a0d 0a0b 0a0170 120175 1a0164 2002'));
  // PortForwardRequest: pod_sandbox_id=1, port=2 repeated int32 (packed in proto3)
  assert.equal(rpc('PortForward').requestSerialize({ pod_sandbox_id: 's', port: [80, 443] }).toString('hex'), hex('0a0173 1203 50bb03'));
});

test('CreateContainerRequest: config=2 { linux=15 { security_context=2 { run_as_user=5, supplemental_groups=8 packed, run_as_group=12 } } }', () => {
  const bytes = rpc('CreateContainer').requestSerialize({
    config: { linux: { security_context: { run_as_user: { value: 1000 }, run_as_group: { value: 3000 }, supplemental_groups: [4000] } } },
  });
  // 12 12 { 7a 10 { 12 0e { 2a 03 {08 e807} | 42 02 a01f | 62 03 {08 b817} } } }
  assert.equal(bytes.toString('hex'), hex('1212 7a10 120e 2a0308e807 4202a01f 620308b817'));
  type Sc = { run_as_user: { value: string } | null; run_as_group: { value: string } | null; supplemental_groups: string[]; run_as_username: string };
  const back = rpc('CreateContainer').requestDeserialize(bytes) as { config: { linux: { security_context: Sc } } };
  assert.deepEqual(back.config.linux.security_context,
    { run_as_user: { value: '1000' }, run_as_username: '', supplemental_groups: ['4000'], run_as_group: { value: '3000' } });
  // Root is a present Int64Value holding 0, not an absent one: the wrapper is there so that 0 can be said.
  const rootSc = (rpc('CreateContainer').requestDeserialize(Buffer.from(hex('1206 7a04 1202 2a00'), 'hex')) as { config: { linux: { security_context: Sc } } }).config.linux.security_context;
  assert.deepEqual(rootSc.run_as_user, { value: '0' });
  assert.equal(rootSc.run_as_group, null);
});
