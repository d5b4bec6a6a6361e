// ELF headers, read directly: enough to know a binary's layout (PT_LOAD segments, for
// mapping `-k` file offsets to addresses), whether it has symbols or debug information,
// and where its functions start.
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';

interface ElfSegment {
  offset: number;
  vaddr: number;
  filesz: number;
  memsz: number;
  exec: boolean;
}

interface ElfSection {
  name: string;
  type: number;
  flags: number;
  offset: number;
  size: number;
  link: number;
  entsize: number;
}

export interface ElfFile {
  type: 'exec' | 'dyn' | 'other';
  machine: number;
  is64: boolean;
  little: boolean;
  /** Has PT_INTERP: linked dynamically. */
  dynamic: boolean;
  loads: ElfSegment[];
  sections: ElfSection[];
  hasSymtab: boolean;
  hasDebugInfo: boolean;
  textBytes: number;
  /** Built by Go (a `.go.buildinfo` or `.gopclntab` section, kept by `-ldflags=-s -w`): its system calls go through the Go runtime. */
  go: boolean;
}

export const EM_X86_64 = 62;

/** Reads the headers of an ELF file; null when it is not ELF. Throws on I/O errors. */
export function readElf(path: string): ElfFile | null {
  const fd = openSync(path, 'r');
  try {
    const size = statSync(path).size;
    const read = (offset: number, length: number): Buffer => {
      const buf = Buffer.alloc(Math.max(0, Math.min(length, size - offset)));
      if (buf.length > 0) readSync(fd, buf, 0, buf.length, offset);
      return buf;
    };
    const h = read(0, 64);
    if (h.length < 52 || h.readUInt32BE(0) !== 0x7f454c46) return null;
    const is64 = h[4] === 2;
    const little = h[5] === 1;
    const u16 = (b: Buffer, o: number): number => (little ? b.readUInt16LE(o) : b.readUInt16BE(o));
    const u32 = (b: Buffer, o: number): number => (little ? b.readUInt32LE(o) : b.readUInt32BE(o));
    const addr = (b: Buffer, o: number): number => (is64 ? Number(little ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o)) : u32(b, o));
    const etype = u16(h, 16);
    const machine = u16(h, 18);
    const phoff = addr(h, is64 ? 32 : 28);
    const shoff = addr(h, is64 ? 40 : 32);
    const phentsize = u16(h, is64 ? 54 : 42);
    const phnum = u16(h, is64 ? 56 : 44);
    const shentsize = u16(h, is64 ? 58 : 46);
    const shnum = u16(h, is64 ? 60 : 48);
    const shstrndx = u16(h, is64 ? 62 : 50);
    const loads: ElfSegment[] = [];
    let dynamic = false;
    const ph = read(phoff, phentsize * phnum);
    for (let i = 0; i < phnum && (i + 1) * phentsize <= ph.length; i++) {
      const o = i * phentsize;
      const type = u32(ph, o);
      if (type === 3) dynamic = true; // PT_INTERP
      if (type !== 1) continue; // PT_LOAD
      const flags = is64 ? u32(ph, o + 4) : u32(ph, o + 24);
      loads.push({
        offset: addr(ph, o + (is64 ? 8 : 4)),
        vaddr: addr(ph, o + (is64 ? 16 : 8)),
        filesz: addr(ph, o + (is64 ? 32 : 16)),
        memsz: addr(ph, o + (is64 ? 40 : 20)),
        exec: (flags & 1) !== 0,
      });
    }
    const sections: ElfSection[] = [];
    const sh = shoff > 0 ? read(shoff, shentsize * shnum) : Buffer.alloc(0);
    const raw: Array<Omit<ElfSection, 'name'> & { nameOff: number }> = [];
    for (let i = 0; i < shnum && (i + 1) * shentsize <= sh.length; i++) {
      const o = i * shentsize;
      raw.push({
        nameOff: u32(sh, o),
        type: u32(sh, o + 4),
        flags: is64 ? Number(little ? sh.readBigUInt64LE(o + 8) : sh.readBigUInt64BE(o + 8)) : u32(sh, o + 8),
        offset: addr(sh, o + (is64 ? 24 : 16)),
        size: addr(sh, o + (is64 ? 32 : 20)),
        link: u32(sh, o + (is64 ? 40 : 24)),
        entsize: addr(sh, o + (is64 ? 56 : 36)),
      });
    }
    const strtab = raw[shstrndx] ? read(raw[shstrndx].offset, raw[shstrndx].size) : Buffer.alloc(0);
    for (const s of raw) {
      const end = strtab.indexOf(0, s.nameOff);
      const name = s.nameOff < strtab.length ? strtab.toString('latin1', s.nameOff, end < 0 ? strtab.length : end) : '';
      sections.push({ name, type: s.type, flags: s.flags, offset: s.offset, size: s.size, link: s.link, entsize: s.entsize });
    }
    const has = (n: string): boolean => sections.some((s) => s.name === n);
    return {
      type: etype === 2 ? 'exec' : etype === 3 ? 'dyn' : 'other',
      machine,
      is64,
      little,
      dynamic,
      loads,
      sections,
      go: has('.go.buildinfo') || has('.gopclntab'),
      hasSymtab: has('.symtab'),
      hasDebugInfo: has('.debug_info') || has('.debug_line') || has('.zdebug_info'),
      textBytes: sections.filter((s) => (s.flags & 4) !== 0 && s.type !== 8).reduce((a, s) => a + s.size, 0), // SHF_EXECINSTR, not NOBITS
    };
  } finally {
    closeSync(fd);
  }
}

/** Defined function symbols (.symtab, else .dynsym) by name; -1 marks a name defined twice. */
export function readFunctionSymbols(path: string, elf: ElfFile): Map<string, number> {
  const out = new Map<string, number>();
  const table = elf.sections.find((s) => s.name === '.symtab') ?? elf.sections.find((s) => s.name === '.dynsym');
  if (!table || table.link >= elf.sections.length) return out;
  const strs = elf.sections[table.link];
  const buf = readFileSync(path);
  const { little, is64 } = elf;
  const u16 = (o: number): number => (little ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const u32 = (o: number): number => (little ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const entsize = table.entsize || (is64 ? 24 : 16);
  for (let o = table.offset; o + entsize <= table.offset + table.size && o + entsize <= buf.length; o += entsize) {
    const nameOff = u32(o);
    const info = is64 ? buf[o + 4] : buf[o + 12];
    const shndx = is64 ? u16(o + 6) : u16(o + 14);
    const value = is64 ? Number(little ? buf.readBigUInt64LE(o + 8) : buf.readBigUInt64BE(o + 8)) : u32(o + 4);
    if ((info & 0xf) !== 2 || shndx === 0) continue; // STT_FUNC, defined
    const start = strs.offset + nameOff;
    const end = buf.indexOf(0, start);
    const name = buf.toString('latin1', start, end < 0 ? start : end);
    if (!name) continue;
    const known = out.get(name);
    out.set(name, known === undefined || known === value ? value : -1);
  }
  return out;
}

/**
 * x86-64 GOT slots and the function addresses the dynamic loader puts in them (from
 * R_X86_64_RELATIVE, GLOB_DAT and 64 relocations), by target address: a PIE Rust
 * program calls into std through `call *slot(%rip)`, and this names the callee.
 */
export function readGotSlots(path: string, elf: ElfFile): Map<number, number[]> {
  const out = new Map<number, number[]>();
  if (elf.machine !== EM_X86_64 || !elf.is64 || !elf.little) return out;
  const buf = readFileSync(path);
  const add = (target: number, slot: number): void => {
    if (target > 0) out.set(target, [...(out.get(target) ?? []), slot]);
  };
  for (const rela of elf.sections.filter((s) => s.type === 4 /* SHT_RELA */)) {
    const symtab = elf.sections[rela.link];
    for (let o = rela.offset; o + 24 <= rela.offset + rela.size && o + 24 <= buf.length; o += 24) {
      const slot = Number(buf.readBigUInt64LE(o));
      const type = buf.readUInt32LE(o + 8);
      const sym = buf.readUInt32LE(o + 12);
      const addend = Number(buf.readBigInt64LE(o + 16));
      if (type === 8 /* RELATIVE */) add(addend, slot);
      else if ((type === 6 /* GLOB_DAT */ || type === 1) /* 64 */ && symtab && symtab.entsize >= 24) {
        const s = symtab.offset + sym * symtab.entsize;
        if (s + 24 > buf.length || buf.readUInt16LE(s + 6) === 0) continue; // undefined: another library's
        add(Number(buf.readBigUInt64LE(s + 8)) + addend, slot);
      }
    }
  }
  return out;
}

/** What the dynamic loader reads from a binary to find its libraries. */
export interface ElfDynamic {
  /** DT_NEEDED: the libraries it links against, by name. */
  needed: string[];
  /** DT_RPATH and DT_RUNPATH, split at ':' (RUNPATH, when present, makes the loader ignore RPATH). */
  rpath: string[];
  runpath: string[];
}

/** The dynamic section's library entries; empty for a static binary. */
export function readDynamic(path: string, elf: ElfFile): ElfDynamic {
  const out: ElfDynamic = { needed: [], rpath: [], runpath: [] };
  const dyn = elf.sections.find((s) => s.type === 6 /* SHT_DYNAMIC */);
  if (!dyn || dyn.link >= elf.sections.length) return out;
  const strs = elf.sections[dyn.link];
  const fd = openSync(path, 'r');
  try {
    const read = (offset: number, length: number): Buffer => {
      const buf = Buffer.alloc(Math.max(0, Math.min(length, 1 << 24)));
      return buf.subarray(0, buf.length > 0 ? readSync(fd, buf, 0, buf.length, offset) : 0);
    };
    const table = read(dyn.offset, dyn.size);
    const strings = read(strs.offset, strs.size);
    const { is64, little } = elf;
    const size = is64 ? 16 : 8;
    const word = (o: number): number =>
      is64 ? Number(little ? table.readBigUInt64LE(o) : table.readBigUInt64BE(o)) : little ? table.readUInt32LE(o) : table.readUInt32BE(o);
    const str = (off: number): string => {
      if (off >= strings.length) return '';
      const end = strings.indexOf(0, off);
      return strings.toString('utf8', off, end < 0 ? strings.length : end);
    };
    for (let o = 0; o + size <= table.length; o += size) {
      const tag = word(o);
      if (tag === 0) break; // DT_NULL
      const value = word(o + size / 2);
      if (tag === 1) out.needed.push(str(value));
      else if (tag === 15) out.rpath.push(...str(value).split(':'));
      else if (tag === 29) out.runpath.push(...str(value).split(':'));
    }
  } finally {
    closeSync(fd);
  }
  out.rpath = out.rpath.filter((d) => d !== '');
  out.runpath = out.runpath.filter((d) => d !== '');
  return out;
}
