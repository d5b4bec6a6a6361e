// The tree's rows: pre-order under the forking parent, collapsed subtrees hidden,
// filters and search that keep only matching processes, nested under their nearest
// matching ancestor.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ProcessStore } from '../../webview/store';
import { ancestorsOf, flattenTree, matchesSearch, type TreeQuery } from '../../webview/tree';
import { proc, smallTrace } from '../browser/traces';
import type { ProcessJson } from '../../src/shared/schema';

function storeOf(processes: ProcessJson[]): ProcessStore {
  const store = new ProcessStore();
  store.applySnapshot({ ...smallTrace(), processes });
  return store;
}

const ALL: TreeQuery = { filter: 'all', search: '', collapsed: new Set() };
const rowsOf = (store: ProcessStore, query: Partial<TreeQuery> = {}) =>
  flattenTree(store, { ...ALL, ...query }).rows.map((r) => `${'  '.repeat(r.depth)}${r.id}${r.hasChildren ? (r.expanded ? '-' : '+') : ''}`);

describe('flattening', () => {
  const store = storeOf(smallTrace().processes);

  test('children follow their forking parent in arrival order, depth by depth', () => {
    assert.deepEqual(rowsOf(store), ['100-', '  101', '  102', '  103', '  104-', '    105', '  107']);
  });

  test('a collapsed process hides its subtree and shows as collapsed', () => {
    assert.deepEqual(rowsOf(store, { collapsed: new Set(['104']) }), ['100-', '  101', '  102', '  103', '  104+', '  107']);
    assert.deepEqual(rowsOf(store, { collapsed: new Set(['100']) }), ['100+']);
  });

  test('indexOf gives each shown row its position', () => {
    const flat = flattenTree(store, ALL);
    assert.equal(flat.indexOf.get('105'), 5);
    assert.equal(flat.matching, 7);
  });
});

describe('filters and search', () => {
  const store = storeOf(smallTrace().processes);

  test('zombies: only processes exited and not yet reaped, flat under no zombie parent', () => {
    assert.deepEqual(rowsOf(store, { filter: 'zombies' }), ['101', '107']);
  });

  test('orphans: processes adopted after their parent died', () => {
    assert.deepEqual(rowsOf(store, { filter: 'orphans' }), ['105']);
  });

  test('running: a running child nests under its running ancestor, skipping the reaped parent between', () => {
    assert.deepEqual(rowsOf(store, { filter: 'running' }), ['100-', '  103', '  105']);
  });

  test('a collapsed matching ancestor hides matching descendants; the count still includes them', () => {
    const flat = flattenTree(store, { ...ALL, filter: 'running', collapsed: new Set(['100']) });
    assert.deepEqual(
      flat.rows.map((r) => r.id),
      ['100'],
    );
    assert.equal(flat.matching, 3);
  });

  test('search by pid prefix, by command or argument substring, case-insensitively', () => {
    assert.deepEqual(
      rowsOf(store, { search: '10' }).map((r) => r.trim()),
      ['100-', '101', '102', '103', '104-', '105', '107'],
    );
    assert.deepEqual(rowsOf(store, { search: '107' }), ['107']);
    assert.deepEqual(rowsOf(store, { search: 'WORK' }), ['103']);
    assert.deepEqual(rowsOf(store, { search: 'onerror' }), ['101']);
    assert.deepEqual(rowsOf(store, { search: '  crash ' }), ['107']);
  });

  test('search and filter combine', () => {
    assert.deepEqual(rowsOf(store, { filter: 'zombies', search: 'crash' }), ['107']);
    assert.deepEqual(rowsOf(store, { filter: 'orphans', search: 'crash' }), []);
  });

  test('a pid matches only from its first digit', () => {
    assert.equal(matchesSearch(proc({ pid: 3120 }), '12'), false);
    assert.equal(matchesSearch(proc({ pid: 3120 }), '312'), true);
  });
});

describe('scale and shape', () => {
  test('a fork chain 20,000 deep flattens without recursion', () => {
    const processes = [proc({ pid: 1 })];
    for (let pid = 2; pid <= 20_000; pid++) processes.push(proc({ pid, parentPid: pid - 1, parentId: String(pid - 1) }));
    const store = storeOf(processes);
    const flat = flattenTree(store, ALL);
    assert.equal(flat.rows.length, 20_000);
    assert.equal(flat.rows[19_999]!.depth, 19_999);
    assert.equal(ancestorsOf(store, '20000').length, 19_999);
  });

  test('10,000 children of one server flatten in well under 100 ms', () => {
    const processes = [proc({ pid: 1 })];
    for (let pid = 2; pid <= 10_001; pid++) processes.push(proc({ pid, parentPid: 1, parentId: '1', state: pid % 10 === 0 ? 'zombie' : 'reaped' }));
    const store = storeOf(processes);
    flattenTree(store, ALL);
    const t0 = performance.now();
    const flat = flattenTree(store, { ...ALL, filter: 'zombies', search: '1' });
    const ms = performance.now() - t0;
    assert.ok(flat.rows.every((r) => store.get(r.id)!.state === 'zombie' && r.id.startsWith('1')));
    assert.ok(ms < 100, `took ${ms.toFixed(1)} ms`);
  });

  test('ancestorsOf lists the chain from the root down', () => {
    const store = storeOf(smallTrace().processes);
    assert.deepEqual(ancestorsOf(store, '105'), ['100', '104']);
    assert.deepEqual(ancestorsOf(store, '100'), []);
  });
});
