// Table printing: kubectl's tabwriter widths (minwidth 6, padding 3), wide columns, NAMESPACE, watch rows aligned.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TablePrinter, formatCell, humanDuration, tableFromObjects } from '../../../src/kubectl/printers/table-printer.ts';
import type { Table } from '../../../src/kubectl/printers/table-printer.ts';

const cols = [
  { name: 'Name', type: 'string' }, { name: 'Ready', type: 'string' }, { name: 'Status', type: 'string' },
  { name: 'Restarts', type: 'integer' }, { name: 'Age', type: 'string' },
  { name: 'IP', type: 'string', priority: 1 }, { name: 'Nominated Node', type: 'string', priority: 1 },
];
const table = (rows: unknown[][], ns = 'default'): Table => ({
  kind: 'Table', apiVersion: 'meta.k8s.io/v1', columnDefinitions: cols,
  rows: rows.map((cells) => ({ cells, object: { metadata: { name: String(cells[0]), namespace: ns } } })),
});

test('the layout the real kubectl printed for the same Table', () => {
  // Captured from kubectl 1.32.4 `get po` against a server returning these cells.
  const real = 'NAME    READY   STATUS    RESTARTS   AGE\nnginx   0/1     Pending   0          5m\n';
  assert.equal(new TablePrinter().print(table([['nginx', '0/1', 'Pending', 0, '5m', '<none>', '<none>']])), real);
});

test('-o wide adds priority>0 columns; headers are upper-cased names', () => {
  const real = 'NAME    READY   STATUS    RESTARTS   AGE   IP       NOMINATED NODE\nnginx   0/1     Pending   0          5m    <none>   <none>\n';
  assert.equal(new TablePrinter({ wide: true }).print(table([['nginx', '0/1', 'Pending', 0, '5m', '<none>', '<none>']])), real);
});

test('a short column is still 6 wide (minwidth), a long cell widens its column by 3', () => {
  const t: Table = { kind: 'Table', apiVersion: 'meta.k8s.io/v1', columnDefinitions: [{ name: 'A', type: 'string' }, { name: 'B', type: 'string' }], rows: [{ cells: ['x', 'y'] }, { cells: ['a-long-name', 'z'] }] };
  assert.equal(new TablePrinter().print(t), 'A             B\nx             y\na-long-name   z\n');
  const short: Table = { ...t, rows: [{ cells: ['x', 'y'] }] };
  assert.equal(new TablePrinter().print(short), 'A     B\nx     y\n');
});

test('-A puts NAMESPACE first, from the row object', () => {
  const out = new TablePrinter({ withNamespace: true }).print(table([['web', '1/1', 'Running', 0, '1m']], 'kube-system'));
  assert.equal(out, 'NAMESPACE     NAME   READY   STATUS    RESTARTS   AGE\nkube-system   web    1/1     Running   0          1m\n');
});

test('rows arriving later (watch) keep the header\'s columns and only grow them', () => {
  const p = new TablePrinter();
  p.print(table([['nginx', '0/1', 'Pending', 0, '5m']]));
  // Captured from kubectl 1.32.4 get po -w: a watch row for "x", then one with a longer name.
  assert.equal(p.print(table([['x', '0/1', 'Pending', 0, '5m']])), 'x       0/1     Pending   0          5m\n');
  assert.equal(p.print(table([['a-very-long-pod-name-here', '0/1', 'Pending', 0, '5m']])), 'a-very-long-pod-name-here   0/1     Pending   0          5m\n');
});

test('no rows print nothing; --no-headers drops the header', () => {
  assert.equal(new TablePrinter().print(table([])), '');
  assert.equal(new TablePrinter({ noHeaders: true }).print(table([['a', '1/1', 'Running', 0, '1s']])), 'a     1/1   Running   0     1s\n');
});

test('cells: nil is empty, multi-line strings are cut with ..., numbers as %v', () => {
  assert.equal(formatCell(null), '');
  assert.equal(formatCell('one\ntwo'), 'one...');
  assert.equal(formatCell(3), '3');
  assert.equal(formatCell(true), 'true');
});

test('AGE from creationTimestamp when the server sent objects, with HumanDuration', () => {
  assert.deepEqual([humanDuration(5_000), humanDuration(150_000), humanDuration(600_000), humanDuration(4 * 3600_000 + 60_000), humanDuration(50 * 3600_000), humanDuration(3 * 86400_000 + 3600_000)], ['5s', '2m30s', '10m', '4h1m', '2d2h', '3d1h']);
  const t = tableFromObjects([{ metadata: { name: 'a', creationTimestamp: '2026-01-01T00:00:00Z' } }], Date.parse('2026-01-01T00:00:07Z'));
  assert.equal(new TablePrinter().print(t), 'NAME   AGE\na      7s\n');
});
