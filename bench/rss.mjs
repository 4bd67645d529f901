// Loaded with --import: on exit, append this process's peak RSS (KiB) to the file named by PORTBOOK_BENCH_RSS.
import { appendFileSync } from 'node:fs';

process.on('exit', () => {
  if (process.env.PORTBOOK_BENCH_RSS) appendFileSync(process.env.PORTBOOK_BENCH_RSS, `${process.resourceUsage().maxRSS}\n`);
});
