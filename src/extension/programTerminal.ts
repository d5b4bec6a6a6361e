// The program's stdin/stdout/stderr in an integrated terminal named after it. The
// program reads a pipe, not a tty, so the terminal echoes and edits the line itself
// and sends it on Enter. Closing the terminal stops the trace.
import * as vscode from 'vscode';
import type { Readable, Writable } from 'node:stream';
import { Disposable } from './dispose';

export class ProgramTerminal extends Disposable implements vscode.Pseudoterminal {
  private readonly writeEmitter = this._register(new vscode.EventEmitter<string>());
  private readonly closeEmitter = this._register(new vscode.EventEmitter<number | void>());
  readonly onDidWrite = this.writeEmitter.event;
  readonly onDidClose = this.closeEmitter.event;
  private opened = false;
  private pending: string[] = [];
  private line = '';
  private stdin: Writable | null = null;

  private constructor(
    private readonly onUserClose: () => void,
    private readonly onClosed: () => void,
  ) {
    super();
  }

  /**
   * A terminal `Fork Trace: NAME`, shown without taking the focus. `onUserClose`: the user
   * closed it or pressed Ctrl-C; `onClosed`: it is gone, however it went.
   */
  static show(name: string, onUserClose: () => void, onClosed: () => void): ProgramTerminal {
    const pty = new ProgramTerminal(onUserClose, onClosed);
    const terminal = pty._register(vscode.window.createTerminal({ name: `Fork Trace: ${name}`, pty, iconPath: new vscode.ThemeIcon('type-hierarchy') }));
    terminal.show(true);
    return pty;
  }

  attach(stdout: Readable | null, stderr: Readable | null, stdin: Writable | null): void {
    this.stdin = stdin;
    stdin?.on('error', () => undefined); // the program may close its stdin early
    for (const stream of [stdout, stderr]) stream?.on('data', (chunk: Buffer) => this.print(chunk.toString('utf8')));
  }

  open(): void {
    this.opened = true;
    for (const text of this.pending) this.writeEmitter.fire(text);
    this.pending = [];
  }

  /** VS Code closed the terminal: the user did (that stops the trace), or we disposed it. */
  close(): void {
    if (this.isDisposed) return;
    this.onUserClose();
    this.dispose();
  }

  handleInput(data: string): void {
    for (const ch of data) {
      if (ch === '\r') {
        this.writeEmitter.fire('\r\n');
        this.stdin?.write(this.line + '\n');
        this.line = '';
      } else if (ch === '\x7f' || ch === '\b') {
        if (this.line.length > 0) {
          this.line = this.line.slice(0, -1);
          this.writeEmitter.fire('\b \b');
        }
      } else if (ch === '\x04') {
        this.stdin?.end(); // Ctrl-D: end of input
      } else if (ch === '\x03') {
        this.writeEmitter.fire('^C\r\n');
        this.onUserClose();
      } else if (ch >= ' ') {
        this.line += ch;
        this.writeEmitter.fire(ch);
      }
    }
  }

  /** Program output; lone \n become \r\n for the terminal. */
  print(text: string): void {
    if (this.isDisposed) return;
    const out = text.replace(/\r?\n/g, '\r\n');
    if (this.opened) this.writeEmitter.fire(out);
    else this.pending.push(out);
  }

  /** A line from Fork Trace itself, dimmed so it is not mistaken for the program's. */
  note(text: string): void {
    this.print(`\x1b[2m[fork trace] ${text}\x1b[0m\n`);
  }

  dispose(): void {
    if (this.isDisposed) return;
    super.dispose();
    this.onClosed();
  }
}
