// The `forktrace` debug adapter: a LiveTrace (the same tracer and model as "Trace
// Forks") seen through the Debug Adapter Protocol. No vscode import: it runs inline in
// the extension host and standalone (dist/debugAdapter.js) for tests.
//
// Each traced process is a DAP thread. VS Code lists a running thread but shows frames
// only for a stopped one, so a zombie - which has really stopped: it exited and waits
// for its parent's waitpid - is reported stopped (reason "zombie"), and its frames lead
// to the fork and to the wait that should reap it. Nothing is ever paused or stepped.
import {
  ExitedEvent,
  InitializedEvent,
  LoggingDebugSession,
  OutputEvent,
  Scope,
  Source,
  StackFrame,
  StoppedEvent,
  TerminatedEvent,
  Thread,
  ThreadEvent,
  Variable,
} from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { basename, dirname, isAbsolute } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';
import type { ProcessJson, SnapshotJson, SourceLocation } from '../shared/schema';
import { count, describeBefore, foldedSummaryWords, processName, summaryWords, traceEndWords } from '../shared/words';
import type { LiveTrace, TraceEnd } from '../tracer/liveTrace';
import { TraceError } from '../tracer/strace';
import { checkAttachArgs, checkLaunchArgs, type CheckedAttachArgs, type ForkTraceLaunchArgs } from './launchArgs';
import { startAttachedTrace, startPipedTrace } from './pipedTrace';
import { findingFor, findingFrameName, labelFrame, threadName, wasBefore, zombieText } from './processView';
import { foldedVariables, lifeVariables } from './variables';

export { lifeVariables } from './variables';

/** How the extension shows a trace the debugger started (panel, Problems, terminal). */
export interface ForkTraceSessionHooks {
  /** A trace started (on launch or attach, and on every restart). */
  traceStarted(live: LiveTrace, args: ForkTraceLaunchArgs | CheckedAttachArgs): void;
  /**
   * New events reached the model (at most every `updateIntervalMs`). A LiveTrace has one
   * `onUpdate`, which the session owns; views that need live updates get them here.
   */
  traceUpdated?(live: LiveTrace): void;
}

export interface ForkTraceSessionOptions {
  /** The strace executable (the forkTrace.straceCommand setting). */
  strace?: string;
  updateIntervalMs?: number;
}

/** Error ids of our error responses (DAP wants a number per kind of message). */
const ErrorId = {
  Launch: 5001,
  Unsupported: 5002,
  NoTrace: 5003,
} as const;
type ErrorId = (typeof ErrorId)[keyof typeof ErrorId];

/** Frames per thread: frame id = thread id * FRAMES + index, unique across threads. */
const FRAMES = 100;
const CONFIGURATION_WAIT_MS = 1000;

interface ProcessThread {
  id: number;
  process: ProcessJson;
  /** Shown in the Call Stack view: announced by a `started` event and not yet `exited`. */
  listed: boolean;
  /** A `stopped` event (reason zombie) was sent for it. */
  stoppedAsZombie: boolean;
}

export class ForkTraceDebugSession extends LoggingDebugSession {
  private live: LiveTrace | null = null;
  /** What was launched or attached to: a restart does it again. */
  private args: ForkTraceLaunchArgs | CheckedAttachArgs | null = null;
  /** Bumped by every start, so a restarted trace's end does not end the session. */
  private generation = 0;
  private readonly threads = new Map<string, ProcessThread>();
  private readonly threadsById = new Map<number, ProcessThread>();
  private nextThreadId = 1;
  private snapshot: SnapshotJson | null = null;
  private configured = false;
  private readonly configurationDone: Promise<void>;
  private markConfigured: () => void = () => undefined;
  private terminatedSent = false;

  constructor(
    private readonly hooks?: ForkTraceSessionHooks,
    private readonly options: ForkTraceSessionOptions = {},
  ) {
    super();
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
    this.configurationDone = new Promise<void>((resolve) => (this.markConfigured = resolve));
  }

  protected initializeRequest(response: DebugProtocol.InitializeResponse): void {
    response.body = {
      ...response.body,
      supportsConfigurationDoneRequest: true,
      supportsTerminateRequest: true,
      supportsRestartRequest: true,
      // Honest: the program runs under strace, never under a debugger's control.
      supportsStepBack: false,
      supportsSetVariable: false,
      supportsRestartFrame: false,
      supportsGotoTargetsRequest: false,
      supportsStepInTargetsRequest: false,
      supportsCompletionsRequest: false,
      supportsEvaluateForHovers: false,
      supportsFunctionBreakpoints: false,
      supportsConditionalBreakpoints: false,
      supportsHitConditionalBreakpoints: false,
      supportsDataBreakpoints: false,
      supportsReadMemoryRequest: false,
      supportsDisassembleRequest: false,
      supportsTerminateThreadsRequest: false,
      exceptionBreakpointFilters: [],
    };
    this.sendResponse(response);
    this.sendEvent(new InitializedEvent());
  }

  protected configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.configured = true;
    this.markConfigured();
    this.sendResponse(response);
  }

  protected launchRequest(response: DebugProtocol.LaunchResponse, raw: DebugProtocol.LaunchRequestArguments): Promise<void> {
    return this.startRequest(response, checkLaunchArgs(raw));
  }

  /** Attach: trace a running process (and what it forks from now on); its zombies from before show at once. */
  protected attachRequest(response: DebugProtocol.AttachResponse, raw: DebugProtocol.AttachRequestArguments): Promise<void> {
    return this.startRequest(response, checkAttachArgs(raw));
  }

  /** Launch and attach alike: checked arguments (or why not), then the trace once the client listens. */
  private async startRequest(response: DebugProtocol.Response, args: ForkTraceLaunchArgs | CheckedAttachArgs | string): Promise<void> {
    if (typeof args === 'string') return this.fail(response, ErrorId.Launch, args);
    // Thread events before configurationDone could reach a client not yet listening.
    if (!this.configured) await Promise.race([this.configurationDone, sleep(CONFIGURATION_WAIT_MS)]);
    try {
      this.startTrace(args);
    } catch (e) {
      return this.fail(response, ErrorId.Launch, launchErrorMessage(e));
    }
    this.sendResponse(response);
  }

  /** Restart = stop the whole traced tree (or detach), then launch (or attach) again with the same (or the updated) arguments. */
  protected async restartRequest(response: DebugProtocol.RestartResponse, args: DebugProtocol.RestartArguments | undefined): Promise<void> {
    const updated = args?.arguments as Record<string, unknown> | undefined;
    const next =
      updated && 'program' in updated
        ? checkLaunchArgs(updated as DebugProtocol.LaunchRequestArguments)
        : updated && 'processId' in updated
          ? checkAttachArgs(updated as DebugProtocol.AttachRequestArguments)
          : this.args;
    if (next === null) return this.fail(response, ErrorId.NoTrace, 'Nothing to restart: no program was launched.');
    if (typeof next === 'string') return this.fail(response, ErrorId.Launch, next);
    const old = this.live;
    this.generation++; // the old trace's end is no longer the session's end
    if (old) {
      this.console(
        this.attachedPid() !== null
          ? `Restarting: detaching from pid ${this.attachedPid()}, which keeps running, to attach again…\n`
          : `Restarting: stopping ${basename(old.program)} and every process it started…\n`,
      );
      const end = await old.stop().catch(() => null);
      if (end) this.console(summaryLine(end, old.program));
    }
    this.unlistAll();
    try {
      this.startTrace(next);
    } catch (e) {
      this.fail(response, ErrorId.Launch, launchErrorMessage(e));
      this.end(null);
      return;
    }
    this.sendResponse(response);
  }

  protected async terminateRequest(response: DebugProtocol.TerminateResponse): Promise<void> {
    await this.stopTrace();
    this.sendResponse(response);
  }

  protected async disconnectRequest(response: DebugProtocol.DisconnectResponse, args: DebugProtocol.DisconnectArguments): Promise<void> {
    // A launched program never outlives its session: disconnect kills the traced tree too.
    // An attached process does: disconnect (the toolbar's Stop) detaches, and it runs on.
    if (this.live?.running && this.attachedPid() !== null) this.console(`Detaching from pid ${this.attachedPid()}: it keeps running, untraced.\n`);
    await this.stopTrace();
    super.disconnectRequest(response, args);
  }

  /** The pid this session attached to; null for a launched program. */
  private attachedPid(): number | null {
    return this.args && 'processId' in this.args ? this.args.processId : null;
  }

  /** Stops the trace (snapshot, then kill the whole tree; an attached one detaches); resolves once strace is gone. */
  async stopTrace(): Promise<void> {
    const live = this.live;
    if (!live || !live.running) return;
    await live.stop().catch(() => undefined);
    // The session ends from live.done's handler; let it run before answering.
    await sleep(0);
  }

  dispose(): void {
    void this.stopTrace();
    super.dispose();
  }

  protected threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    const listed = [...this.threads.values()].filter((t) => t.listed);
    response.body = { threads: listed.map((t) => new Thread(t.id, threadName(t.process))) };
    this.sendResponse(response);
  }

  protected stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): void {
    const thread = this.threadsById.get(args.threadId);
    if (!thread) return this.fail(response, ErrorId.NoTrace, `Thread ${args.threadId} is not a process of this trace.`);
    const frames = this.framesOf(thread);
    const start = args.startFrame ?? 0;
    const shown = args.levels ? frames.slice(start, start + args.levels) : frames.slice(start);
    response.body = { stackFrames: shown, totalFrames: frames.length };
    this.sendResponse(response);
  }

  protected scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): void {
    const threadId = Math.floor(args.frameId / FRAMES);
    response.body = { scopes: this.threadsById.has(threadId) ? [new Scope('Process', threadId, false)] : [] };
    this.sendResponse(response);
  }

  protected variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): void {
    const thread = this.threadsById.get(args.variablesReference);
    response.body = { variables: thread ? this.processVariables(thread.process) : [] };
    this.sendResponse(response);
  }

  /** The Debug Console is the program's stdin (console: internalConsole): a line typed there is sent to it. */
  protected evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): void {
    if (args.context !== 'repl') {
      return this.fail(response, ErrorId.Unsupported, 'Fork Trace has no expressions to evaluate: the program runs under strace, not under a debugger.', false);
    }
    if (this.attachedPid() !== null)
      return this.fail(response, ErrorId.Unsupported, `pid ${this.attachedPid()} was running before the attach: its stdin is its own, not the Debug Console.`);
    const stdin = this.live?.running ? this.live.strace.stdin : null;
    if (!stdin || stdin.destroyed || stdin.writableEnded) return this.fail(response, ErrorId.NoTrace, 'The program is not running, or it closed its stdin.');
    if (this.terminalShowsOutput())
      return this.fail(response, ErrorId.Unsupported, "The program's stdin is its terminal (console: integratedTerminal): type there.");
    stdin.write(`${args.expression}\n`);
    response.body = { result: '', variablesReference: 0 };
    this.sendResponse(response);
  }

  protected pauseRequest(response: DebugProtocol.PauseResponse): void {
    this.fail(
      response,
      ErrorId.Unsupported,
      this.attachedPid() !== null
        ? 'Fork Trace cannot pause a traced program: it watches processes through strace without stopping them. Stop detaches, and the process keeps running.'
        : 'Fork Trace cannot pause a traced program: it watches processes through strace without stopping them. Stop ends the trace and kills every process of it.',
    );
  }

  protected continueRequest(response: DebugProtocol.ContinueResponse, args: DebugProtocol.ContinueArguments): void {
    const p = this.threadsById.get(args.threadId)?.process;
    const what =
      p?.state === 'zombie'
        ? `pid ${p.pid} is a zombie: it has exited and cannot run again. It is gone once its parent reaps it with wait() or waitpid().`
        : 'Nothing is paused: every traced process keeps running.';
    this.fail(response, ErrorId.Unsupported, `Fork Trace cannot continue a process. ${what}`);
  }

  protected nextRequest(response: DebugProtocol.NextResponse): void {
    this.noStepping(response);
  }

  protected stepInRequest(response: DebugProtocol.StepInResponse): void {
    this.noStepping(response);
  }

  protected stepOutRequest(response: DebugProtocol.StepOutResponse): void {
    this.noStepping(response);
  }

  protected stepBackRequest(response: DebugProtocol.StepBackResponse): void {
    this.noStepping(response);
  }

  protected reverseContinueRequest(response: DebugProtocol.ReverseContinueResponse): void {
    this.noStepping(response);
  }

  protected setBreakPointsRequest(response: DebugProtocol.SetBreakpointsResponse, args: DebugProtocol.SetBreakpointsArguments): void {
    // VS Code sends the editor's breakpoints to every session: say they do not apply here.
    response.body = {
      breakpoints: (args.breakpoints ?? []).map((b) => ({
        verified: false,
        line: b.line,
        message: 'Fork Trace does not stop at breakpoints: it traces without pausing the program.',
      })),
    };
    this.sendResponse(response);
  }

  private noStepping(response: DebugProtocol.Response): void {
    this.fail(response, ErrorId.Unsupported, 'Fork Trace cannot step: it traces the program with strace, not a debugger. Every process keeps running.');
  }

  // ---- the trace

  private startTrace(args: ForkTraceLaunchArgs | CheckedAttachArgs): void {
    const generation = ++this.generation;
    const common = {
      stackMode: args.stackMode ?? 'fast',
      lingerThreshold: args.lingerThreshold,
      keepReaped: args.keepReaped,
      strace: this.options.strace,
      updateIntervalMs: this.options.updateIntervalMs,
      onUpdate: () => {
        if (generation !== this.generation) return;
        this.refresh(live.snapshot());
        this.hooks?.traceUpdated?.(live);
      },
    } as const;
    const attach = 'processId' in args;
    const live = attach
      ? startAttachedTrace({ ...common, pid: args.processId })
      : startPipedTrace({
          ...common,
          program: args.program,
          args: args.args ?? [],
          cwd: args.cwd || (isAbsolute(args.program) ? dirname(args.program) : process.cwd()),
          env: args.env,
        });
    this.live = live;
    this.args = args;
    const mode = args.stackMode === 'precise' ? 'precise mode, strace -k' : 'fast mode';
    if (attach) {
      this.console(
        `Attached to pid ${args.processId} with strace ${live.info.version} (${mode}). What was there before the attach is marked "before the trace"; Stop detaches, and it keeps running.\n`,
      );
    } else {
      live.strace.stdin?.on('error', () => undefined); // the program may close its stdin early
      if (this.terminalShowsOutput()) {
        // The hook's terminal reads stdout/stderr and writes stdin.
      } else {
        if (args.console === 'integratedTerminal')
          this.console(
            'No terminal is available here (console: integratedTerminal needs the Fork Trace extension): the output follows in the Debug Console.\n',
          );
        this.forward(live.strace.stdout, 'stdout');
        this.forward(live.strace.stderr, 'stderr');
      }
      this.console(
        `Tracing ${live.program}${args.args?.length ? ` ${args.args.join(' ')}` : ''} with strace ${live.info.version} (${mode}). Processes appear in the Call Stack view; zombies show where they were forked and where they should be reaped.\n`,
      );
    }
    live.done.then(
      (end) => {
        if (generation === this.generation) this.end(end);
      },
      (e: unknown) => {
        if (generation !== this.generation) return;
        this.console(`The trace failed: ${e instanceof Error ? e.message : String(e)}\n`);
        this.end(null);
      },
    );
    try {
      this.hooks?.traceStarted(live, args);
    } catch (e) {
      this.console(`Fork Trace could not show the trace's panel: ${e instanceof Error ? e.message : String(e)}\n`);
    }
  }

  /** The program's I/O is in the extension's terminal, not the Debug Console. */
  private terminalShowsOutput(): boolean {
    return this.args !== null && 'console' in this.args && this.args.console === 'integratedTerminal' && this.hooks !== undefined;
  }

  private forward(stream: Readable | null, category: 'stdout' | 'stderr'): void {
    if (!stream) return;
    const decoder = new StringDecoder('utf8');
    stream.on('data', (chunk: Buffer) => {
      const text = decoder.write(chunk);
      if (text) this.sendEvent(new OutputEvent(text, category));
    });
    stream.on('end', () => {
      const rest = decoder.end();
      if (rest) this.sendEvent(new OutputEvent(rest, category));
    });
  }

  /** Brings the thread list up to date with a snapshot: started, renamed, zombie (stopped), exited. */
  private refresh(snapshot: SnapshotJson): void {
    this.snapshot = snapshot;
    let renamed: ProcessThread | null = null;
    const started: ProcessThread[] = [];
    const exited: ProcessThread[] = [];
    const zombies: ProcessThread[] = [];
    const present = new Set<string>();
    for (const p of snapshot.processes) {
      const key = `${this.generation}:${p.id}`;
      present.add(key);
      const gone = p.state === 'reaped' || p.state === 'exited';
      let thread = this.threads.get(key);
      if (!thread) {
        // A process born and reaped between two updates is never listed: it would only flicker.
        thread = { id: this.nextThreadId++, process: p, listed: !gone, stoppedAsZombie: false };
        this.threads.set(key, thread);
        this.threadsById.set(thread.id, thread);
        if (thread.listed) started.push(thread);
      } else {
        const before = threadName(thread.process);
        thread.process = p;
        if (thread.listed && gone) {
          thread.listed = false;
          exited.push(thread);
        } else if (thread.listed && threadName(p) !== before && p.state !== 'zombie') {
          renamed = thread; // e.g. an exec changed the command
        }
      }
      if (thread.listed && p.state === 'zombie' && !thread.stoppedAsZombie) zombies.push(thread);
    }
    // Gone from the view and from the picture (folded): forgotten, so a long trace's thread list stays bounded.
    for (const [key, t] of this.threads) if (!t.listed && !present.has(key) && this.threads.delete(key)) this.threadsById.delete(t.id);
    for (const t of started) this.sendEvent(new ThreadEvent('started', t.id));
    // VS Code re-reads `threads` (and takes the new names) after a `started` event,
    // debounced; a `started` for a known id renames without adding a thread.
    if (renamed && started.length === 0) this.sendEvent(new ThreadEvent('started', renamed.id));
    for (const t of exited) this.sendEvent(new ThreadEvent('exited', t.id));
    for (const t of zombies) {
      t.stoppedAsZombie = true;
      const event = new StoppedEvent('zombie', t.id) as DebugProtocol.StoppedEvent;
      event.body.description = 'Zombie: exited, not reaped';
      event.body.text = zombieText(t.process);
      event.body.allThreadsStopped = false;
      event.body.preserveFocusHint = true; // a server can make zombies by the hundred: never steal the editor
      this.sendEvent(event);
    }
  }

  /** A restart: the old trace's processes leave the Call Stack view. */
  private unlistAll(): void {
    for (const t of this.threads.values()) {
      if (!t.listed) continue;
      t.listed = false;
      this.sendEvent(new ThreadEvent('exited', t.id));
    }
    this.snapshot = null;
  }

  /** The trace is over: the last picture, a summary with the findings, then the session ends. */
  private end(end: TraceEnd | null): void {
    if (end) {
      this.refresh(end.snapshot);
      const program = this.live?.program ?? (this.args && 'program' in this.args ? this.args.program : 'the program');
      this.console(summaryLine(end, program));
      for (const d of end.snapshot.diagnostics) {
        const where = d.location ? `${d.location.file}:${d.location.line}` : (d.locationNote ?? 'no source line');
        const event = new OutputEvent(`  ${d.severity} ${d.kind} ${where}: ${d.message}\n`, 'console') as DebugProtocol.OutputEvent;
        if (d.location) {
          // The Debug Console shows it as a link to the line.
          event.body.source = this.source(d.location);
          event.body.line = this.convertDebuggerLineToClient(d.location.line);
        }
        this.sendEvent(event);
      }
      if (!end.stoppedByUser && end.exitCode !== null) this.sendEvent(new ExitedEvent(end.exitCode));
    }
    this.live = null;
    if (!this.terminatedSent) {
      this.terminatedSent = true;
      this.sendEvent(new TerminatedEvent());
    }
  }

  // ---- frames and variables

  private framesOf(thread: ProcessThread): DebugProtocol.StackFrame[] {
    const p = thread.process;
    const frames: DebugProtocol.StackFrame[] = [];
    const frameId = (): number => thread.id * FRAMES + frames.length;
    if (p.state === 'zombie') {
      const finding = findingFor(p, this.snapshot?.diagnostics ?? []);
      if (finding?.location) {
        const coalesced = this.snapshot?.diagnostics.some((d) => d.kind === 'sigchld-coalesced' && d.pids[0] === p.parentPid) ?? false;
        frames.push(
          new StackFrame(
            frameId(),
            findingFrameName(finding, p, coalesced),
            this.source(finding.location),
            this.convertDebuggerLineToClient(finding.location.line),
          ),
        );
      } else if (finding?.locationNote) {
        frames.push(labelFrame(frameId(), `${finding.kind}: no source line (${finding.locationNote})`));
      }
    }
    if (p.forkSite) {
      const fn = p.forkSite.function ? ` in ${p.forkSite.function}` : '';
      // A note beside a known fork site says it was inferred (a fork before the attach), not seen.
      const inferred = p.forkSiteNote ? ' before the trace (inferred: the only call that makes processes)' : '';
      frames.push(
        new StackFrame(frameId(), `fork()${fn} — created pid ${p.pid}${inferred}`, this.source(p.forkSite), this.convertDebuggerLineToClient(p.forkSite.line)),
      );
    } else {
      frames.push(labelFrame(frameId(), this.noForkSiteReason(p)));
    }
    return frames;
  }

  private noForkSiteReason(p: ProcessJson): string {
    if (p.parentId === null && wasBefore(p)) return `${processName(p)} is the process Fork Trace attached to: it was forked before the trace`;
    if (wasBefore(p) && !p.forkSiteNote) return `${processName(p)} was forked before the trace, so its fork is not in it`;
    if (p.parentPid === null) return `${processName(p)} is the traced program itself: it was not forked by a traced process`;
    const note = p.forkSiteNote ?? (this.snapshot?.diagnostics ?? []).find((d) => d.pids.includes(p.pid) && d.locationNote)?.locationNote;
    return `fork site of pid ${p.pid} unknown${note ? `: ${note}` : ': the call was not resolved to a source line (is the program built with -g?)'}`;
  }

  private source(location: SourceLocation): Source {
    return new Source(basename(location.file), this.convertDebuggerPathToClient(location.file));
  }

  private processVariables(p: ProcessJson): DebugProtocol.Variable[] {
    const vars: DebugProtocol.Variable[] = [
      new Variable('pid', String(p.pid)),
      new Variable('state', p.state),
      new Variable('command', p.command),
      new Variable('argv', JSON.stringify(p.argv)),
      new Variable('parent', p.parentPid === null ? 'none (the traced program)' : String(p.parentPid)),
    ];
    if (p.threads > 1) vars.push(new Variable('threads', String(p.threads)));
    if (wasBefore(p)) vars.push(new Variable(p.untraced ? 'untraced' : 'before', describeBefore(p) ?? 'a zombie before the trace: its exit time is unknown'));
    vars.push(...lifeVariables(p, this.snapshot), ...foldedVariables(p, this.snapshot));
    const finding = p.state === 'zombie' ? findingFor(p, this.snapshot?.diagnostics ?? []) : null;
    if (finding) vars.push(new Variable('finding', finding.message));
    return vars;
  }

  // ---- output and errors

  private console(text: string): void {
    this.sendEvent(new OutputEvent(text, 'console'));
  }

  private fail(response: DebugProtocol.Response, id: ErrorId, message: string, showUser = true): void {
    this.sendErrorResponse(response, { id, format: message, variables: {}, showUser });
  }
}

function launchErrorMessage(e: unknown): string {
  if (e instanceof TraceError) {
    // resolveProgram says "does not exist" for a path: name the problem the user looks for.
    if (e.code === 'program-not-found' && !/not found/i.test(e.message))
      return `Program not found: ${e.message.replace(/^Program /, '')} Check "program" in the launch configuration.`;
    return e.message;
  }
  return `Fork Trace could not start the trace: ${e instanceof Error ? e.message : String(e)}`;
}

function summaryLine(end: TraceEnd, program: string): string {
  const findings = end.snapshot.diagnostics.length;
  const folded = foldedSummaryWords(end.snapshot.folded);
  return `${traceEndWords(end, basename(program))} ${summaryWords(end.snapshot.summary)}${folded ? ` (${folded})` : ''}, ${count(findings, 'finding')}${findings ? ':' : '.'}\n`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
