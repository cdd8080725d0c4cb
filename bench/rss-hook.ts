/**
 * Preloaded with `node --import` by bench/lmer.ts when /usr/bin/time is missing: reports the
 * process's peak resident set size (kilobytes) on stderr as it exits.
 */
process.on('exit', () => {
  process.stderr.write(`lmer2jags-bench-maxrss-kb ${process.resourceUsage().maxRSS}\n`);
});
