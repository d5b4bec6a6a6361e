// The `forktrace` launch configuration: one typed interface, and the JSON schema that
// package.json's debuggers[0].configurationAttributes.launch carries. The schema is
// written here once; the compiler checks that its keys are exactly the interface's
// own keys, and a test checks that package.json holds this same schema.
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { StackMode } from '../tracer/liveTrace';

export const DEBUG_TYPE = 'forktrace';

export type ConsoleKind = 'internalConsole' | 'integratedTerminal';

export interface ForkTraceLaunchArgs extends DebugProtocol.LaunchRequestArguments {
  /** The program to run under strace: a path, or a name looked up on PATH. */
  program: string;
  args?: string[];
  cwd?: string;
  /** Added to the environment the editor (or the adapter) runs with. */
  env?: Record<string, string>;
  stackMode?: StackMode;
  /** Where the program's stdin/stdout/stderr go; default the Debug Console. */
  console?: ConsoleKind;
  /** Seconds a reaped zombie may have waited before it is reported as lingering. */
  lingerThreshold?: number;
  /** Reaped processes kept in full detail; older uneventful ones are folded into counts. */
  keepReaped?: number;
}

/** The attributes of a launch configuration that are ours, not the protocol's. */
export type LaunchAttribute = Exclude<keyof ForkTraceLaunchArgs, keyof DebugProtocol.LaunchRequestArguments>;

interface PropertySchema {
  type: 'string' | 'number' | 'array' | 'object';
  description: string;
  default?: unknown;
  enum?: readonly string[];
  enumDescriptions?: readonly string[];
  items?: { type: 'string' };
  additionalProperties?: { type: 'string' };
  minimum?: number;
}

/** `satisfies` fails to compile when a key is missing here or is not in the interface. */
export const LAUNCH_PROPERTIES = {
  program: {
    type: 'string',
    description: 'The program to run under strace, e.g. ${workspaceFolder}/server. A name without a slash is looked up on PATH.',
  },
  args: {
    type: 'array',
    items: { type: 'string' },
    default: [],
    description: 'Arguments for the program, one per item (no shell is used).',
  },
  cwd: {
    type: 'string',
    default: '${workspaceFolder}',
    description: 'Working directory of the traced program.',
  },
  env: {
    type: 'object',
    additionalProperties: { type: 'string' },
    default: {},
    description: 'Environment variables added for the traced program.',
  },
  stackMode: {
    type: 'string',
    enum: ['fast', 'precise'],
    enumDescriptions: [
      "Source lines from the program's own call sites: exact when each call has one site; tracing stays at ptrace's floor.",
      'strace -k stack traces on every traced call: exact with several call sites, an order of magnitude slower on fork-heavy programs.',
    ],
    default: 'fast',
    description: 'How Fork Trace finds the source line of each fork, wait and sigaction (default: the forkTrace.stackMode setting).',
  },
  console: {
    type: 'string',
    enum: ['internalConsole', 'integratedTerminal'],
    enumDescriptions: [
      "The program's output goes to the Debug Console; a line evaluated there is sent to its stdin.",
      "The program's stdin, stdout and stderr are in an integrated terminal.",
    ],
    default: 'internalConsole',
    description: "Where the program's input and output go.",
  },
  lingerThreshold: {
    type: 'number',
    minimum: 0,
    default: 1,
    description: 'Report zombies that were reaped later than this many seconds after they exited (default: the forkTrace.lingerThreshold setting).',
  },
  keepReaped: {
    type: 'number',
    minimum: 0,
    default: 2000,
    description:
      'Reaped processes kept in full detail (the most recent ones); older uneventful ones are folded into counts per parent and fork site, so a long trace runs in flat memory. Zombies, orphans, live processes and every process a finding names are always kept. (default: the forkTrace.keepReaped setting)',
  },
} as const satisfies Record<LaunchAttribute, PropertySchema>;

/** package.json's debuggers[0].configurationAttributes.launch. */
export const LAUNCH_SCHEMA = {
  required: ['program'],
  properties: LAUNCH_PROPERTIES,
};

/** What "create a launch.json file" writes. */
export const INITIAL_CONFIGURATIONS = [
  {
    type: DEBUG_TYPE,
    request: 'launch',
    name: 'Fork Trace: trace the program built from the active C file',
    program: '${fileDirname}/${fileBasenameNoExtension}',
    args: [],
    cwd: '${workspaceFolder}',
    console: 'internalConsole',
  },
];

export const CONFIGURATION_SNIPPETS = [
  {
    label: 'Fork Trace: Launch',
    description: 'Run a program under strace and show its fork tree, zombies and orphans.',
    body: {
      type: DEBUG_TYPE,
      request: 'launch',
      name: 'Fork Trace: ${1:server}',
      program: '^"\\${workspaceFolder}/${1:server}"',
      args: ['${2:0}'],
      cwd: '^"\\${workspaceFolder}"',
      stackMode: 'fast',
    },
  },
  {
    label: 'Fork Trace: Launch in the integrated terminal',
    description: 'The program reads its stdin from a terminal (type, then Enter).',
    body: {
      type: DEBUG_TYPE,
      request: 'launch',
      name: 'Fork Trace: ${1:program} (terminal)',
      program: '^"\\${workspaceFolder}/${1:program}"',
      args: [],
      cwd: '^"\\${workspaceFolder}"',
      console: 'integratedTerminal',
    },
  },
  {
    label: 'Fork Trace: Launch precisely (strace -k)',
    description: 'Exact source lines even with several fork or waitpid call sites; slower on fork-heavy programs.',
    body: {
      type: DEBUG_TYPE,
      request: 'launch',
      name: 'Fork Trace: ${1:server} (precise)',
      program: '^"\\${workspaceFolder}/${1:server}"',
      args: [],
      cwd: '^"\\${workspaceFolder}"',
      stackMode: 'precise',
    },
  },
];

/** package.json's contributes.debuggers. */
export const DEBUGGER_CONTRIBUTION = {
  type: DEBUG_TYPE,
  label: 'Fork Trace',
  languages: ['c', 'cpp'],
  when: 'isLinux || remoteName',
  configurationAttributes: { launch: LAUNCH_SCHEMA },
  initialConfigurations: INITIAL_CONFIGURATIONS,
  configurationSnippets: CONFIGURATION_SNIPPETS,
};

/** Reads untrusted launch arguments into the typed form, or says what is wrong. */
export function checkLaunchArgs(raw: DebugProtocol.LaunchRequestArguments): ForkTraceLaunchArgs | string {
  const a = raw as Record<string, unknown>;
  if (a.stopOnEntry === true)
    return 'Fork Trace cannot stop on entry: it traces the program without pausing it. Remove "stopOnEntry" from the launch configuration.';
  if (typeof a.program !== 'string' || a.program.trim() === '')
    return 'The launch configuration has no "program": set it to the program to trace, e.g. "${workspaceFolder}/server".';
  if (a.args !== undefined && !(Array.isArray(a.args) && a.args.every((x) => typeof x === 'string')))
    return '"args" must be an array of strings, one argument per item.';
  if (a.cwd !== undefined && typeof a.cwd !== 'string') return '"cwd" must be a string.';
  if (a.env !== undefined && (typeof a.env !== 'object' || a.env === null || Object.values(a.env).some((v) => typeof v !== 'string'))) {
    return '"env" must be an object whose values are strings.';
  }
  if (a.stackMode !== undefined && a.stackMode !== 'fast' && a.stackMode !== 'precise') return '"stackMode" must be "fast" or "precise".';
  if (a.console !== undefined && a.console !== 'internalConsole' && a.console !== 'integratedTerminal')
    return '"console" must be "internalConsole" or "integratedTerminal".';
  if (a.lingerThreshold !== undefined && !(typeof a.lingerThreshold === 'number' && a.lingerThreshold >= 0))
    return '"lingerThreshold" must be a number of seconds, 0 or more.';
  if (a.keepReaped !== undefined && !(typeof a.keepReaped === 'number' && Number.isInteger(a.keepReaped) && a.keepReaped >= 0))
    return '"keepReaped" must be a whole number of processes, 0 or more.';
  return raw as ForkTraceLaunchArgs;
}
