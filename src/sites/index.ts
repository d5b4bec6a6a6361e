// Source lines for traced calls: which line of the program made this fork, this
// waitpid, this sigaction. Two ways, chosen per event:
//
// - Precise (the event carries `-k` frames): the innermost frame in the program's own
//   binaries (not libc, ld.so, or anything under a system library directory) is the
//   return address of the call into libc; addr2line on (that address - 1) names the
//   line of the call. Exact.
// - Static (no frames, the default fast mode): `objdump -d` of the executable, once,
//   lists every call to the libc functions that can make that syscall (fork@plt,
//   waitpid@plt, sigaction@plt, …); one addr2line run per binary maps them to lines.
//   One distinct line is a fact; several are candidates, never a guess.
//
// resolver.ts picks the path; precise.ts, staticPath.ts, interpreted.ts and
// flowFollower.ts (which narrows the static answer by the program's control flow) answer;
// binaries.ts and binutilsCache.ts open each binary and run the tools once.
export { parseAddr2line, parseObjdump } from './binutils';
export { readElf, type ElfFile } from './elf';
export { interpreterLanguage, scriptOf, workspaceCandidates, type CandidateLocation, type Language } from './interpreted';
export { libcFunctionsFor, normalizeTarget } from './libcCalls';
export { PRECISE_HOW, SiteResolver, type SiteResolverOptions, type SiteResolverStats } from './resolver';
export { isSystemObject, parseStackFrame, type StackFrame } from './stackFrames';
