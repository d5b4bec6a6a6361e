import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { afterCalls, nextPoints, parseFunctionFlow, programGraph, type FunctionFlow } from '../../src/sites/flow';

/** main() of a double fork at -O0, cut down: fork, check, child forks again, parent waits. */
const DOUBLE_FORK = `
Disassembly of section .text:

0000000000001189 <helper>:
    1189:	ret

00000000000011d9 <main>:
    11d9:	push   %rbp
    11da:	call   10c0 <fork@plt>
    11df:	mov    %eax,-0x1c(%rbp)
    11e2:	cmpl   $0x0,-0x1c(%rbp)
    11e6:	jns    11f2 <main+0x19>
    11e8:	call   10a0 <perror@plt>
    11ed:	jmp    1220 <main+0x47>
    11f2:	jne    1210 <main+0x37>
    11f4:	call   1070 <setsid@plt>
    11f9:	call   10c0 <fork@plt>
    11fe:	cmpl   $0x0,%eax
    1201:	jne    120b <main+0x32>
    1203:	call   1189 <helper>
    1208:	nop
    1209:	xchg   %ax,%ax
    120b:	mov    $0x0,%edi
    1210:	call   1030 <_exit@plt>
    1215:	call   10d0 <waitpid@plt>
    121a:	nop
    1220:	leave
    1221:	ret
`;

function flowOf(text: string): FunctionFlow {
  const flow = parseFunctionFlow(text, 'main');
  assert.ok(!('problem' in flow), 'problem' in flow ? flow.problem : '');
  return flow;
}

const after = (flow: FunctionFlow, address: number): number => flow.following.get(address) as number;

/** The sites one function's flow reaches first from these instructions, calls not followed into. */
function nextSites(flow: FunctionFlow, from: number[], sites: ReadonlySet<number>): Set<number> {
  return new Set(
    nextPoints(
      programGraph(flow),
      from.map((at) => ({ stack: [], at })),
      sites,
    ).map((p) => p.at),
  );
}

describe("main()'s flow between fork-family calls", () => {
  const flow = flowOf(DOUBLE_FORK);
  const sites = new Set([0x11da, 0x11f9]);

  test('reads only main, with its calls named as libc names them', () => {
    assert.equal(flow.entry, 0x11d9);
    assert.equal(flow.calls.get(0x11da), 'fork');
    assert.equal(flow.calls.get(0x1203), 'helper');
    assert.equal(flow.next.has(0x1189), false);
  });

  test("from main's start the first fork comes first: the second is only reached through it", () => {
    assert.deepEqual([...nextSites(flow, [flow.entry], sites)], [0x11da]);
  });

  test('after the first fork returns, the next fork can only be the second', () => {
    assert.deepEqual([...nextSites(flow, [after(flow, 0x11da)], sites)], [0x11f9]);
  });

  test('after the second, no fork follows: _exit never returns, and nothing jumps back', () => {
    assert.deepEqual([...nextSites(flow, [after(flow, 0x11f9)], sites)], []);
  });

  test('a call that may not fork (popen can fail before its clone) is passed as well as kept', () => {
    const text = DOUBLE_FORK.replace('call   10c0 <fork@plt>\n    11df', 'call   10e0 <popen@plt>\n    11df');
    const f = flowOf(text);
    assert.deepEqual([...nextSites(f, [f.entry], sites)].sort(), [0x11da, 0x11f9]);
  });

  test('a loop back to a fork reaches it again', () => {
    const text = DOUBLE_FORK.replace('1221:	ret', '1221:	jmp    11da <main+0x1>');
    const f = flowOf(text);
    assert.deepEqual([...nextSites(f, [after(f, 0x11f9)], sites)], []);
    assert.deepEqual([...nextSites(f, [after(f, 0x11da)], sites)].sort(), [0x11da, 0x11f9]);
  });

  test('a call through a register is assumed to return; a call objdump names through the GOT is read by name', () => {
    const text = DOUBLE_FORK.replace('call   1030 <_exit@plt>', 'call   *%rax').replace(
      'call   10d0 <waitpid@plt>',
      'call   *0x2fe2(%rip)        # 3fd8 <waitpid@GLIBC_2.2.5>',
    );
    const f = flowOf(text);
    assert.equal(f.calls.get(0x1210), null);
    assert.deepEqual(f.next.get(0x1210), [0x1215]);
    assert.equal(f.calls.get(0x1215), 'waitpid');
  });
});

describe("what main()'s flow cannot show", () => {
  test('a jump through a register or table (a switch) gives up, saying so', () => {
    const r = parseFunctionFlow(DOUBLE_FORK.replace('jmp    1220 <main+0x47>', 'notrack jmp *%rax'), 'main');
    assert.ok('problem' in r);
    assert.match(r.problem, /^main jumps through a register or a table \(a switch statement\) at 0x11ed$/);
  });

  test("a jump into another function's middle (a .cold part) gives up; a tail call ends the flow", () => {
    const cold = parseFunctionFlow(DOUBLE_FORK.replace('jmp    1220 <main+0x47>', 'jmp    1300 <main.cold>'), 'main');
    assert.ok('problem' in cold);
    assert.match(cold.problem, /main\.cold/);
    const tail = flowOf(DOUBLE_FORK.replace('jmp    1220 <main+0x47>', 'jmp    1189 <helper>'));
    assert.deepEqual(tail.next.get(0x11ed), []);
  });

  test('a binary without main says so', () => {
    const r = parseFunctionFlow(DOUBLE_FORK, 'nosuch');
    assert.ok('problem' in r);
    assert.match(r.problem, /not found/);
  });
});

describe('through the functions main calls', () => {
  // main calls spawn_worker, then spawn_logger; each forks once (two_fork_sites at -O0).
  const TWO = `
0000000000001179 <spawn_worker>:
    1179:	push   %rbp
    1181:	call   1060 <fork@plt>
    1186:	cmpl   $0x0,%eax
    118d:	jne    1199 <spawn_worker+0x20>
    1194:	call   1030 <_exit@plt>
    1199:	leave
    119d:	ret

000000000000119e <spawn_logger>:
    119e:	push   %rbp
    11a6:	call   1060 <fork@plt>
    11ab:	cmpl   $0x0,%eax
    11b2:	jne    11be <spawn_logger+0x20>
    11b9:	call   1030 <_exit@plt>
    11be:	leave
    11c2:	ret

00000000000011c3 <main>:
    11c3:	push   %rbp
    11e9:	call   1179 <spawn_worker>
    11ee:	mov    %eax,-0x4(%rbp)
    11f1:	call   119e <spawn_logger>
    11f6:	mov    %eax,-0x8(%rbp)
    1220:	leave
    1221:	ret
`;
  const parse = (name: string) => {
    const f = parseFunctionFlow(TWO, name);
    assert.ok(!('problem' in f));
    return f;
  };
  const graph = programGraph(parse('main'), [parse('spawn_worker'), parse('spawn_logger')]);
  const sites = new Set([0x1181, 0x11a6]);

  test("from main's start: the worker's fork, inside the call at 0x11e9", () => {
    assert.deepEqual(nextPoints(graph, [{ stack: [], at: graph.main.entry }], sites), [{ stack: [0x11ee], at: 0x1181 }]);
  });

  test('after it returns, the flow comes back to main and goes into the logger', () => {
    const after = afterCalls(graph, [{ stack: [0x11ee], at: 0x1181 }]);
    assert.deepEqual(after, [{ stack: [0x11ee], at: 0x1186 }]);
    assert.deepEqual(nextPoints(graph, after, sites), [{ stack: [0x11f6], at: 0x11a6 }]);
  });

  test("after the logger's fork, main returns: no fork follows", () => {
    assert.deepEqual(nextPoints(graph, afterCalls(graph, [{ stack: [0x11f6], at: 0x11a6 }]), sites), []);
  });

  test("a function main's flow does not call through stays out of the picture: one function alone sees both forks as unreached", () => {
    assert.deepEqual([...nextSites(parse('main'), [0x11c3], sites)], []);
  });
});
