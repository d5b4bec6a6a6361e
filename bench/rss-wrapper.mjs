// Peak RSS without /usr/bin/time: runs a CommonJS Node script (dist/cli.js) as if it
// were started directly (node SCRIPT ARGS...) and prints its peak resident set size,
// in KiB, to stderr at exit.
//
//   node bench/rss-wrapper.mjs dist/cli.js analyze --json /dev/null LOG
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

const script = resolve(process.argv[2]);
process.argv = [process.argv[0], script, ...process.argv.slice(3)];
process.on('exit', () => {
  process.stderr.write(`\nFORKTRACE_BENCH_MAXRSS_KB ${process.resourceUsage().maxRSS}\n`);
});
createRequire(import.meta.url)(script);
