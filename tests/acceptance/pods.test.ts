// Chapter 1's checkpoint, driven with the real kubectl as a new user would: version, run, get (table, wide,
// yaml), watch, delete, the NotFound message, namespaces and the empty node list.
import { describe, before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { startCheckpoint, type RunningCheckpoint } from '../../src/workbook/checkpoint.ts';
import { waitFor } from '../../src/util/wait.ts';

interface Run { code: number; stdout: string; stderr: string }
function run(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { env, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}
const hasKubectl = () => new Promise<boolean>((r) => execFile('which', ['kubectl'], (err) => r(!err)));

describe('chapter 1 (pods): the real kubectl against our API server', () => {
  let cp: RunningCheckpoint;
  let kubectl = false;
  const k = (...args: string[]) => run('kubectl', ['--kubeconfig', cp.kubeconfig, ...args], cp.env);

  before(async () => {
    kubectl = await hasKubectl();
    if (!kubectl) console.log('# skipping: the real kubectl is not on PATH (CI has it)');
    cp = await startCheckpoint('pods');
  });
  after(async () => { await cp?.stop(); });

  test('kubectl version reports the server as v1.32.0', async (t) => {
    if (!kubectl) return t.skip('the real kubectl is not on PATH');
    const r = await k('version');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Server Version: v1\.32\.0$/m);
  });

  test('run creates a pod, and get po shows it Pending with no node', async (t) => {
    if (!kubectl) return t.skip('the real kubectl is not on PATH');
    const created = await k('run', 'nginx', '--image=nginx', '--restart=Never');
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.stdout, 'pod/nginx created\n');
    const get = await k('get', 'po');
    assert.equal(get.code, 0, get.stderr);
    const [header, row, ...rest] = get.stdout.trimEnd().split('\n');
    assert.match(header, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
    assert.match(row, /^nginx\s+0\/1\s+Pending\s+0\s+\d+s$/);
    assert.deepEqual(rest, []);
  });

  test('get po -o wide adds IP, NODE, NOMINATED NODE and READINESS GATES', async (t) => {
    if (!kubectl) return t.skip('the real kubectl is not on PATH');
    const r = await k('get', 'po', '-o', 'wide');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES\n/);
    assert.match(r.stdout, /\nnginx\s+0\/1\s+Pending\s+0\s+\S+\s+<none>\s+<none>\s+<none>\s+<none>\n/);
  });

  test('get po nginx -o yaml shows the defaulted object', async (t) => {
    if (!kubectl) return t.skip('the real kubectl is not on PATH');
    const r = await k('get', 'po', 'nginx', '-o', 'yaml');
    assert.equal(r.code, 0, r.stderr);
    for (const line of [/^apiVersion: v1$/m, /^kind: Pod$/m, /^  namespace: default$/m, /^  uid: [0-9a-f-]{36}$/m, /^    run: nginx$/m,
      /^  restartPolicy: Never$/m, /^  schedulerName: default-scheduler$/m, /^  terminationGracePeriodSeconds: 30$/m,
      /^    imagePullPolicy: Always$/m, /^  phase: Pending$/m, /^  qosClass: BestEffort$/m]) {
      assert.match(r.stdout, line);
    }
  });

  test('get po -w prints the pod, then its change as it happens', async (t) => {
    if (!kubectl) return t.skip('the real kubectl is not on PATH');
    const watcher = spawn('kubectl', ['--kubeconfig', cp.kubeconfig, 'get', 'po', '-w', '--output-watch-events'], { env: cp.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise((r) => watcher.once('exit', r));
    t.after(async () => { watcher.kill('SIGTERM'); await exited; });
    let out = '';
    watcher.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    await waitFor(() => /\nADDED\s+nginx\s+0\/1\s+Pending/.test(out), { what: 'the ADDED line', timeoutMs: 30_000 });
    const labelled = await k('label', 'po', 'nginx', 'tier=web');
    assert.equal(labelled.code, 0, labelled.stderr);
    await waitFor(() => /\nMODIFIED\s+nginx\s+0\/1\s+Pending/.test(out), { what: 'the MODIFIED line', timeoutMs: 30_000 });
    assert.match(out, /^EVENT\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\n/);
  });

  test('label and field selectors filter what get po shows', async (t) => {
    if (!kubectl) return t.skip('the real kubectl is not on PATH');
    const yes = await k('get', 'po', '-l', 'run=nginx', '--field-selector', 'status.phase=Pending', '-o', 'name');
    assert.deepEqual([yes.code, yes.stdout], [0, 'pod/nginx\n']);
    const no = await k('get', 'po', '-l', 'run notin (nginx)');
    assert.deepEqual([no.code, no.stderr], [0, 'No resources found in default namespace.\n']);
  });

  test('delete pod nginx prints the real message and exits 0; the pod is gone', async (t) => {
    if (!kubectl) return t.skip('the real kubectl is not on PATH');
    const r = await k('delete', 'pod', 'nginx');
    assert.deepEqual([r.code, r.stdout], [0, 'pod "nginx" deleted\n'], r.stderr);
    const after = await k('get', 'po');
    assert.deepEqual([after.code, after.stdout, after.stderr], [0, '', 'No resources found in default namespace.\n']);
  });

  test('get po missing: Error from server (NotFound), exit 1', async (t) => {
    if (!kubectl) return t.skip('the real kubectl is not on PATH');
    const r = await k('get', 'po', 'missing');
    assert.deepEqual([r.code, r.stderr], [1, 'Error from server (NotFound): pods "missing" not found\n']);
  });

  test('invalid names are refused with the server\'s 422 message', async (t) => {
    if (!kubectl) return t.skip('the real kubectl is not on PATH');
    const r = await k('run', 'Bad_Name', '--image=nginx');
    assert.equal(r.code, 1);
    // kubectl lists the Status causes one per line, as it does for a real cluster.
    assert.match(r.stderr, /^The Pod "Bad_Name" is invalid: \n\* metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);
    assert.match(r.stderr, /\n\* spec\.containers\[0\]\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 label/);
  });

  test('create -f and apply -f work without --validate=false (the server takes the validation)', async (t) => {
    if (!kubectl) return t.skip('the real kubectl is not on PATH');
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(cp.stateDir, 'manifests-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'pod.yaml');
    writeFileSync(file, 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: fromfile\nspec:\n  containers:\n  - name: c\n    image: busybox\n');
    const created = await k('create', '-f', file);
    assert.deepEqual([created.code, created.stdout], [0, 'pod/fromfile created\n'], created.stderr);
    writeFileSync(file, 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: fromfile\nspec:\n  containers:\n  - name: c\n    image: busybox:1.36\n');
    const applied = await k('apply', '-f', file);
    assert.deepEqual([applied.code, applied.stdout], [0, 'pod/fromfile configured\n'], applied.stderr);
    const image = await k('get', 'po', 'fromfile', '-o', 'jsonpath={.spec.containers[0].image}');
    assert.equal(image.stdout, 'busybox:1.36');
    const deleted = await k('delete', '-f', file);
    assert.equal(deleted.code, 0, deleted.stderr);
  });

  test('get ns lists the four initial namespaces; get nodes finds none yet', async (t) => {
    if (!kubectl) return t.skip('the real kubectl is not on PATH');
    const ns = await k('get', 'ns');
    assert.equal(ns.code, 0, ns.stderr);
    assert.match(ns.stdout, /^NAME\s+STATUS\s+AGE\n/);
    for (const name of ['default', 'kube-node-lease', 'kube-public', 'kube-system']) assert.match(ns.stdout, new RegExp(`\\n${name}\\s+Active\\s+\\S+`));
    const nodes = await k('get', 'nodes');
    assert.deepEqual([nodes.code, nodes.stdout, nodes.stderr], [0, '', 'No resources found\n']);
  });
});
