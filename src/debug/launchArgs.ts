// The `forktrace` launch and attach configurations: one typed interface each, and the
// JSON schemas that package.json's debuggers[0].configurationAttributes carries. The
// schemas are written here once; the compiler checks that their keys are exactly the
// interfaces' own keys, and a test checks that package.json holds these same schemas.
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

/** `"request": "attach"`: trace a process that is already running; Stop detaches and it runs on. */
export interface ForkTraceAttachArgs extends DebugProtocol.AttachRequestArguments {
  /** The pid, as a number or as the string `${command:pickProcess}` gives. */
  processId: number | string;
  stackMode?: StackMode;
  lingerThreshold?: number;
  /** Reaped processes kept in full detail; older uneventful ones are folded into counts. */
  keepReaped?: number;
}

/** The attributes of an attach configuration that are ours, not the protocol's. */
export type AttachAttribute = Exclude<keyof ForkTraceAttachArgs, keyof DebugProtocol.AttachRequestArguments>;

interface PropertySchema {
  type: 'string' | 'number' | 'array' | 'object' | readonly ['number', 'string'];
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

export const ATTACH_PROPERTIES = {
  processId: {
    type: ['number', 'string'],
    default: '${command:pickProcess}',
    description:
      'The pid of the running process to attach to; "${command:pickProcess}" asks for it from a list (holders of zombies first). Stop detaches: the process keeps running, untraced.',
  },
  stackMode: LAUNCH_PROPERTIES.stackMode,
  lingerThreshold: LAUNCH_PROPERTIES.lingerThreshold,
  keepReaped: LAUNCH_PROPERTIES.keepReaped,
} as const satisfies Record<AttachAttribute, PropertySchema>;

/** package.json's debuggers[0].configurationAttributes.attach. */
export const ATTACH_SCHEMA = {
  required: ['processId'],
  properties: ATTACH_PROPERTIES,
};

/** The debugger's variables: `${command:pickProcess}` runs this command, which returns the chosen pid. */
export const DEBUGGER_VARIABLES = { pickProcess: 'forkTrace.pickProcess' };

const ATTACH_CONFIGURATION = {
  type: DEBUG_TYPE,
  request: 'attach',
  name: 'Fork Trace: attach to a running process',
  processId: '${command:pickProcess}',
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
  ATTACH_CONFIGURATION,
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
  {
    label: 'Fork Trace: Attach to a running process',
    description: 'Trace a server that is already running (its zombies from before show at once); Stop detaches and leaves it running.',
    body: { ...ATTACH_CONFIGURATION, processId: '^"\\${command:pickProcess}"' },
  },
];

/** package.json's contributes.debuggers. */
export const DEBUGGER_CONTRIBUTION = {
  type: DEBUG_TYPE,
  label: 'Fork Trace',
  languages: ['c', 'cpp'],
  when: 'isLinux || remoteName',
  configurationAttributes: { launch: LAUNCH_SCHEMA, attach: ATTACH_SCHEMA },
  variables: DEBUGGER_VARIABLES,
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

/** Attach arguments as checked: the pid is a number. */
export type CheckedAttachArgs = ForkTraceAttachArgs & { processId: number };

/** Reads untrusted attach arguments into the typed form with the pid as a number, or says what is wrong. */
export function checkAttachArgs(raw: DebugProtocol.AttachRequestArguments): CheckedAttachArgs | string {
  const a = raw as Record<string, unknown>;
  const id = a.processId;
  const text = typeof id === 'number' ? String(id) : typeof id === 'string' ? id.trim() : '';
  if (id === undefined || text === '')
    return 'The attach configuration has no "processId": set it to the pid of the process to attach to, or to "${command:pickProcess}" to choose it from a list.';
  if (!/^\d+$/.test(text) || Number(text) <= 0) return `"processId" must be a pid (a positive whole number), not ${JSON.stringify(id)}.`;
  if (a.stackMode !== undefined && a.stackMode !== 'fast' && a.stackMode !== 'precise') return '"stackMode" must be "fast" or "precise".';
  if (a.lingerThreshold !== undefined && !(typeof a.lingerThreshold === 'number' && a.lingerThreshold >= 0))
    return '"lingerThreshold" must be a number of seconds, 0 or more.';
  if (a.keepReaped !== undefined && !(typeof a.keepReaped === 'number' && Number.isInteger(a.keepReaped) && a.keepReaped >= 0))
    return '"keepReaped" must be a whole number of processes, 0 or more.';
  return { ...(raw as ForkTraceAttachArgs), processId: Number(text) };
}
