// The `forktrace` adapter as a program speaking DAP on stdin/stdout: what DebugClient
// tests drive, and a fallback for clients that run adapters as executables. In VS Code
// the extension runs the same session inline (register.ts).
import { ForkTraceDebugSession } from './forkTraceSession';

const session = new ForkTraceDebugSession();
// Killed before a disconnect: still leave no traced process behind.
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  process.once(signal, () => {
    void session.stopTrace().finally(() => process.exit(0));
  });
}
// A bug in the adapter must not leave the traced program running either.
process.once('uncaughtException', (error) => {
  console.error(error);
  void session.stopTrace().finally(() => process.exit(1));
});
session.start(process.stdin, process.stdout);
