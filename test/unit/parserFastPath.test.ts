// The parser reads common records at byte level and everything else as text. The two
// readings must agree: on every recorded log and on generated, damaged and chunked
// ones, the events and warnings of the fast path equal those of the text-only
// reference (`reference: true`), with a real model deciding which calls are wanted.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import type { ParseWarning, TraceEvent } from '../../src/core/events';
import { MODEL_CALLS, ProcessModel } from '../../src/core/model';
import { StraceParser } from '../../src/core/parser';
import type { SkippedCalls } from '../../src/core/textReader';
import { FIXTURES } from '../support/core';
import { BAD_LINES, FIXTURE_NAMES, REAL_LINES, count, damagedLine, runs, splitAt, syntheticLine } from '../support/fuzz';

interface Reading {
  events: TraceEvent[];
  warnings: ParseWarning[];
  recognized: number;
  lines: number;
  fatal: string | null;
  skipped: SkippedCalls;
}

function read(chunks: Array<string | Uint8Array>, reference: boolean, fixedPid?: number): Reading {
  const model = new ProcessModel();
  const events: TraceEvent[] = [];
  const warnings: ParseWarning[] = [];
  const parser = new StraceParser(
    {
      event: (e) => {
        events.push(e);
        model.apply(e);
      },
      warning: (w) => warnings.push(w),
      wantsEveryCall: () => model.wantsEveryCall,
    },
    { interesting: MODEL_CALLS, reference, fixedPid },
  );
  for (const c of chunks) parser.push(c);
  parser.finish();
  return { events, warnings, recognized: parser.recognizedLines, lines: parser.lineCount, fatal: parser.fatal, skipped: { ...parser.skippedCalls } };
}

function assertSameReading(chunks: Array<string | Uint8Array>, how: string, fixedPid?: number): void {
  const fast = read(chunks, false, fixedPid);
  const reference = read(chunks, true, fixedPid);
  assert.deepStrictEqual(fast, reference, how);
}

const encoder = new TextEncoder();

describe('the byte-level fast path reads as the text reference does', () => {
  test('every recorded log, as bytes in 4 KiB chunks, as bytes one by one, and as text', () => {
    let compared = 0;
    for (const name of FIXTURE_NAMES) {
      const bytes = new Uint8Array(readFileSync(join(FIXTURES, name)));
      const inChunks: Uint8Array[] = [];
      for (let k = 0; k < bytes.length; k += 4096) inChunks.push(bytes.subarray(k, k + 4096));
      assertSameReading(inChunks, `${name} in 4 KiB chunks`);
      assertSameReading(
        [...bytes].map((b) => Uint8Array.of(b)),
        `${name} byte by byte`,
      );
      assertSameReading([bytes.toString()], `${name} as text`);
      compared++;
    }
    const ff = join(FIXTURES, 'variant.ff');
    for (const file of readdirSync(ff)) {
      assertSameReading([readFileSync(join(ff, file))], `variant.ff/${file}`, Number(/\.(\d+)$/.exec(file)?.[1]));
      compared++;
    }
    assert.ok(compared >= 25, `${compared} logs compared`);
  });

  test('the fast path is taken: most lines of a full server log are never read as text', () => {
    // A reading that always fell back to text would pass the comparisons above; this one would not.
    const text = readFileSync(join(FIXTURES, 'full.reap_loop.ttt.log'), 'utf8');
    const model = new ProcessModel();
    const parser = new StraceParser(
      { event: (e) => model.apply(e), warning: () => undefined, wantsEveryCall: () => model.wantsEveryCall },
      { interesting: MODEL_CALLS },
    );
    const seen: string[] = [];
    const real = (parser as unknown as { logicalLine: (...a: unknown[]) => void }).logicalLine;
    (parser as unknown as { logicalLine: (...a: unknown[]) => void }).logicalLine = function (this: unknown, ...args: unknown[]) {
      seen.push(String(args[0]));
      return real.apply(this, args);
    };
    parser.push(encoder.encode(text));
    parser.finish();
    const lines = text.split('\n').filter((l) => l.length > 0).length;
    // The execve (the stamp style is not known yet), an interrupted accept and a kill.
    assert.ok(seen.length <= 3, `${seen.length} of ${lines} lines were read as text: ${seen.join('\n')}`);
  });

  test('edge cases of stamps, exit codes, signals and interrupted calls', () => {
    const cases = [
      // Stamps: 16 digits (exact), 19 digits (nanoseconds: Number() reads them), `1.` and junk after the fraction.
      '100 1795358452.156498 clone(child_stack=NULL, flags=SIGCHLD) = 101\n101 1795358452.256498 +++ exited with 0 +++\n',
      '100 1795358452.156498123 clone(child_stack=NULL, flags=SIGCHLD) = 101\n101 1795358452.256498999 +++ exited with 0 +++\n',
      '100 1795358452.1 clone(child_stack=NULL, flags=SIGCHLD) = 101\n101 1795358452. +++ exited with 0 +++\n101 1795358452.2.3 +++ exited with 0 +++\n',
      '100 179535845215649812345.1 clone(child_stack=NULL, flags=SIGCHLD) = 101\n',
      // Exit codes: negative zero, 10 and 11 digits, none.
      '100 1795358452.000001 +++ exited with -0 +++\n101 1795358452.000002 +++ exited with 1234567890 +++\n102 1795358452.000003 +++ exited with 12345678901 +++\n103 1795358452.000004 +++ exited with  +++\n',
      // Signals: bare, with info, numeric, stopped, malformed.
      '100 1795358452.000001 --- SIGCHLD ---\n100 1795358452.000002 --- SIGCHLD  ---\n100 1795358452.000003 --- 17 {si_signo=17} ---\n100 1795358452.000004 --- stopped by SIGSTOP ---\n100 1795358452.000005 --- SIG ---\n100 1795358452.000006 --- SIGcHLD {} ---\n',
      // A skipped call interrupted, resumed; an interesting one unfinished and resumed; strace 4.x form.
      '100 1795358452.000001 accept(3, NULL, NULL <unfinished ...>\n100 1795358452.000002 <... accept resumed>) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)\n',
      '100 1795358452.000001 accept(3, NULL, NULL <unfinished ...>\n100 1795358452.000002 <... accept resumed> <unfinished ...>) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)\n',
      '100 1795358452.000001 accept(3, NULL, NULL <unfinished ...>\n100 1795358452.000002 <... read resumed>) = 0\n100 1795358452.000003 <... accept resumed>) = 4\n',
      '100 1795358452.000001 wait4(-1,  <unfinished ...>\n101 1795358452.000002 +++ exited with 0 +++\n100 1795358452.000003 <... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 101\n',
      // Resumed parts read at byte level or not: ` = ` only in the start, at the seam, after spaces alone; a
      // start holding ` = ` and a resumed part with a later one; errno, -Y and empty results; no `)`; frames after.
      '100 1795358452.000001 wait4(-1,  <unfinished ...>\n100 1795358452.000002 <... wait4 resumed> = 5\n100 1795358452.000003 wait4(-1 <unfinished ...>\n100 1795358452.000004 <... wait4 resumed>  = 5\n',
      '100 1795358452.000001 wait4(-1 = <unfinished ...>\n100 1795358452.000002 <... wait4 resumed>= 5\n100 1795358452.000003 wait4(-1, "a = b" <unfinished ...>\n100 1795358452.000004 <... wait4 resumed>, 0) = 7\n',
      '100 1795358452.000001 wait4(-1,  <unfinished ...>\n100 1795358452.000002 <... wait4 resumed>0x7ffe, WNOHANG, NULL) = -1 ECHILD (No child processes)\n100 1795358452.000003 clone(child_stack=NULL, flags=SIGCHLD <unfinished ...>\n100 1795358452.000004 <... clone resumed>) = 101<srv>\n',
      '100 1795358452.000001 clone(child_stack=NULL, flags=SIGCHLD <unfinished ...>\n100 1795358452.000002 <... clone resumed>) = \n100 1795358452.000003 clone(child_stack=NULL, flags=SIGCHLD <unfinished ...>\n100 1795358452.000004 <... clone resumed>] = 101\n',
      '100 1795358452.000001 clone(child_stack=NULL, flags=SIGCHLD <unfinished ...>\n > /bin/srv(main+0x10) [0x1010]\n100 1795358452.000002 <... clone resumed>, child_tidptr=0x7f00) = 101 E2BIG x\n > /bin/srv(main+0x20) [0x1020]\n',
      // Read calls left unfinished: frames go with the open call; a broken resumption; a mismatched one; two in a row.
      '100 1795358452.000001 wait4(-1,  <unfinished ...>\n > /bin/srv(main+0x10) [0x1010]\n100 1795358452.000003 <... wait4 resumed>garbage\n > /bin/srv(main+0x20) [0x1020]\n',
      '100 1795358452.000001 clone(child_stack=NULL, flags=SIGCHLD <unfinished ...>\n100 1795358452.000002 <... wait4 resumed>NULL) = 5\n100 1795358452.000003 clone(child_stack=NULL <unfinished ...>\n100 1795358452.000004 clone(flags=SIGCHLD <unfinished ...>\n100 1795358452.000005 <... clone resumed>) = 101 <0.000100>\n',
      // A result that is not ASCII (damaged): decoded as UTF-8 like the rest of the line.
      '100 1795358452.000001 getppid() = \u00801\n100 1795358452.000002 getppid() = 1 E\u00c9\n',
      // Results: -Y annotations, -T durations, errno-like tokens that are not, an empty result.
      '100 1795358452.000001 clone(child_stack=NULL, flags=SIGCHLD) = 101<srv>\n100 1795358452.000002 wait4(-1, NULL, 0, NULL) = -1 ECHILD (No child processes) <0.000010>\n100 1795358452.000003 getppid() = 1 E\n100 1795358452.000004 getppid() = 1 (E) \n100 1795358452.000005 getppid() = \n',
      // CRLF, a frame after a skipped call and after a kept one, pid prefixes of 15 and 16 digits.
      '100 1795358452.000001 read(3, "", 1) = 0\r\n > /bin/srv(main+0x10) [0x1010]\r\n100 1795358452.000002 getppid() = 1\r\n > /bin/srv(main+0x20) [0x1020]\r\n',
      '123456789012345 1795358452.000001 getppid() = 1\n1234567890123456 1795358452.000002 getppid() = 1\n',
    ];
    for (const text of cases) {
      // Start with an epoch stamp so the style is known, as in a real log.
      const log = `100 1795358452.000000 execve("/bin/srv", ["srv"], 0x7ffd0000 /* 3 vars */) = 0\n${text}`;
      assertSameReading([encoder.encode(log)], JSON.stringify(text));
      for (let k = 1; k < log.length; k += 7) assertSameReading([log.slice(0, k), log.slice(k)], `${JSON.stringify(text)} split at ${k}`);
    }
  });

  test("brk(NULL) as the log's first record (a program's first call, its execve left out) is noted by both, and only there", () => {
    const cases: Array<[string, number]> = [
      ['100 1795358452.000000 brk(NULL) = 0x5637dfc6b000\n100 1795358452.000001 clone(child_stack=NULL, flags=SIGCHLD) = 101\n', 1],
      ['100 brk(NULL)       = 0x5637dfc6b000\n100 getppid() = 1\n', 1],
      ['brk(NULL) = 0x5637dfc6b000\n', 1],
      ['\nbrk(NULL) = 0x5637dfc6b000\n', 2],
      // A line no record (its stamp read all the same), then brk(NULL): the first record, read at byte level.
      ['100 1795358452.000000 ???\n100 1795358452.000001 brk(NULL) = 0x5637dfc6b000\n', 2],
      ['100 1795358452.000000 getppid() = 1\n100 1795358452.000001 brk(NULL) = 0x5637dfc6b000\n', 0],
      ['100 1795358452.000000 brk(0x5637dfc8c000) = 0x5637dfc8c000\n', 0],
      ['100 1795358452.000000 brk(NULL <unfinished ...>\n100 1795358452.000001 <... brk resumed>) = 0x5637dfc6b000\n', 0],
    ];
    // Past the first 4 KiB (read as text while the parser sniffs for a binary file), so the fast path reads them too.
    const tail = '100 1795358452.000002 getppid() = 1\n'.repeat(200);
    for (const [head, line] of cases) {
      const text = head + tail;
      assertSameReading([encoder.encode(text)], JSON.stringify(head));
      for (let k = 1; k < head.length + 8; k += 3) assertSameReading([text.slice(0, k), text.slice(k)], `${JSON.stringify(head)} split at ${k}`);
      assert.equal(read([encoder.encode(text)], false).skipped.programStart, line, JSON.stringify(head));
    }
  });

  test('generated logs: real lines damaged, synthetic lines and rejected ones, in any chunking', () => {
    const line = fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...REAL_LINES) },
      { weight: 3, arbitrary: damagedLine },
      { weight: 3, arbitrary: syntheticLine },
      { weight: 1, arbitrary: fc.constantFrom(...BAD_LINES) },
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 60 }), fc.boolean(), fc.boolean(), fc.array(fc.nat(), { maxLength: 6 }), (lines, crlf, asText, cuts) => {
        count('fast path = reference');
        const text = lines.join(crlf ? '\r\n' : '\n');
        const input: string | Uint8Array = asText ? text : encoder.encode(text);
        assertSameReading(splitAt(input, cuts), 'generated');
      }),
      { numRuns: runs(400) },
    );
  });
});
