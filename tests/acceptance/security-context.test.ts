// Chapter 6's checkpoint: a pod's securityContext reaches the container. The real kubectl creates the pods (with
// --overrides), the kubelet sends the user and groups over CRI, dockershim maps them to the engine's User and
// GroupAdd as cri-dockerd does, and `kubectl exec -- id` runs as that user (an exec inherits the container's).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { run, useCheckpoint, type CriContext } from './cri-common.ts';
import { bundledKubectl } from './kubectls.ts';

const dockerCLI = ['/usr/bin/docker', '/usr/local/bin/docker'].find((p) => existsSync(p));
const isolated = (ctx: CriContext, node: string) => (ctx.cp.announcements[`docker-${node}`] as { isolation?: string }).isolation === 'namespaces';

describe('chapter 6 (engine): a pod\'s securityContext', () => {
  const ctx = useCheckpoint('engine');

  async function runPod(name: string, overrides: object): Promise<string> {
    const r = await ctx.k('run', name, '--image=busybox', '--restart=Never', '--override-type=strategic', `--overrides=${JSON.stringify(overrides)}`, '--', 'sleep', '3600');
    assert.equal(r.code, 0, r.stderr);
    return (await ctx.phase(name, 'Running')).spec.nodeName!;
  }

  test('runAsUser, runAsGroup and supplementalGroups: kubectl exec -- id runs as them; the engine has User and GroupAdd', async (t) => {
    if (!ctx.kubectl) return t.skip('the real kubectl is not on PATH');
    const node = await runPod('sc-pod', { spec: { securityContext: { runAsUser: 1000, runAsGroup: 3000, supplementalGroups: [4000] } } });
    // Stored as sent: kubectl shows it back.
    const got = await ctx.k('get', 'po', 'sc-pod', '-o', 'jsonpath={.spec.securityContext}');
    assert.deepEqual(JSON.parse(got.stdout), { runAsUser: 1000, runAsGroup: 3000, supplementalGroups: [4000] });
    const yaml = await ctx.k('get', 'po', 'sc-pod', '-o', 'yaml');
    assert.match(yaml.stdout, /\n {2}securityContext:\n {4}runAsGroup: 3000\n {4}runAsUser: 1000\n {4}supplementalGroups:\n {4}- 4000\n/);
    if (dockerCLI) {
      const host = `unix://${ctx.cp.announcements[`docker-${node}`]!.socket}`;
      const ps = await run(dockerCLI, ['ps', '-q', '--filter', 'label=io.kubernetes.container.name=sc-pod'], { ...process.env, DOCKER_HOST: host, DOCKER_CONFIG: join(tmpdir(), 'secctx-test-docker-config') });
      const inspect = await run(dockerCLI, ['inspect', '--format', '{{.Config.User}} {{json .HostConfig.GroupAdd}}', ps.stdout.trim()], { ...process.env, DOCKER_HOST: host, DOCKER_CONFIG: join(tmpdir(), 'secctx-test-docker-config') });
      assert.equal(inspect.stdout.trim(), '1000:3000 ["4000"]', inspect.stderr);
    }
    if (!isolated(ctx, node)) return t.skip('the engine runs containers as host processes here: no user to switch to');
    const id = await ctx.k('exec', 'sc-pod', '--', 'id');
    assert.equal(id.code, 0, id.stderr);
    assert.equal(id.stdout, 'uid=1000 gid=3000 groups=3000,4000\n');
    // pid 1 too, not only the exec: the container's own process runs as that user.
    const status = await ctx.k('exec', 'sc-pod', '--', 'grep', '-E', '^(Uid|Gid|Groups):', '/proc/1/status');
    assert.deepEqual(status.stdout.split('\n').filter(Boolean).map((l) => l.split(/\s+/).filter(Boolean).join(' ')),
      ['Uid: 1000 1000 1000 1000', 'Gid: 3000 3000 3000 3000', 'Groups: 3000 4000']);
  });

  test('a container\'s runAsUser overrides the pod\'s; fsGroup is one more supplementary group', async (t) => {
    if (!ctx.kubectl) return t.skip('the real kubectl is not on PATH');
    const node = await runPod('sc-over', { spec: {
      securityContext: { runAsUser: 1000, runAsGroup: 3000, supplementalGroups: [4000], fsGroup: 2000 },
      containers: [{ name: 'sc-over', securityContext: { runAsUser: 2000 } }],
    } });
    const got = await ctx.k('get', 'po', 'sc-over', '-o', 'jsonpath={.spec.containers[0].securityContext}');
    assert.deepEqual(JSON.parse(got.stdout), { runAsUser: 2000 });
    if (!isolated(ctx, node)) return t.skip('the engine runs containers as host processes here: no user to switch to');
    const id = await ctx.k('exec', 'sc-over', '--', 'id');
    assert.equal(id.code, 0, id.stderr);
    assert.equal(id.stdout, 'uid=2000 gid=3000 groups=2000,3000,4000\n');
  });

  test('negative ids are refused, as the real kubectl prints the API server\'s words', async (t) => {
    if (!ctx.kubectl) return t.skip('the real kubectl is not on PATH');
    const r = await ctx.k('run', 'sc-bad', '--image=busybox', '--restart=Never', '--override-type=strategic',
      `--overrides=${JSON.stringify({ spec: { securityContext: { runAsUser: -1, supplementalGroups: [4000, -2] }, containers: [{ name: 'sc-bad', securityContext: { runAsGroup: -3 } }] } })}`);
    assert.notEqual(r.code, 0);
    const range = 'must be between 0 and 2147483647, inclusive';
    assert.equal(r.stderr, `The Pod "sc-bad" is invalid: \n`
      + `* spec.containers[0].securityContext.runAsGroup: Invalid value: -3: ${range}\n`
      + `* spec.securityContext.runAsUser: Invalid value: -1: ${range}\n`
      + `* spec.securityContext.supplementalGroups[1]: Invalid value: -2: ${range}\n`);
    // One error on one line, by every bundled kubectl (1.27 to 1.33) alike.
    const overrides = `--overrides=${JSON.stringify({ spec: { securityContext: { fsGroup: -1 } } })}`;
    for (const version of ['1.27', '1.28', '1.29', '1.30', '1.31', '1.32', '1.33']) {
      const kubectl = bundledKubectl(version);
      if (!kubectl) continue;
      const one = await run(kubectl, ['--kubeconfig', ctx.cp.kubeconfig, 'run', 'sc-bad', '--image=busybox', overrides], ctx.cp.env);
      assert.equal(one.code, 1, `kubectl ${version}`);
      assert.equal(one.stderr, `The Pod "sc-bad" is invalid: spec.securityContext.fsGroup: Invalid value: -1: ${range}\n`, `kubectl ${version}`);
    }
  });
});
