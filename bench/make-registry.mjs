#!/usr/bin/env node
// Write a realistic registry with N services and N/10 external-access rows to stdout
// (2,000 services come to about 130 KB, the size the speed issue measured).
// Usage: node bench/make-registry.mjs 2000 > /tmp/ports-2000.md
const services = Number(process.argv[2] ?? 2000);
const externals = Math.max(1, Math.floor(services / 10));
const lines = [
  '# Load-test registry',
  '',
  '## Production Ports',
  '',
  '| Service | Port | Protocol | Status | Description |',
  '|---------|------|----------|--------|-------------|',
];
for (let i = 0; i < services; i++) {
  const protocol = i % 7 === 0 ? 'PostgreSQL' : i % 5 === 0 ? 'WS' : 'HTTP';
  lines.push(`| **Service ${i} API** | \`${10000 + i}\` | ${protocol} | ✅ Active | Load test |`);
}
lines.push('', '## Production External Access', '', '| Domain | Port | SSL | Proxy Target | Purpose |', '|--------|------|-----|--------------|---------|');
for (let i = 0; i < externals; i++) {
  const port = 10000 + i * 10 + 1;
  lines.push(`| \`https://svc-${i}.example.com\` | 443 | ✅ | \`127.0.0.1:${port}\` | Public endpoint ${i} |`);
}
lines.push('', '## Reserved Port Ranges', '', `- **Primary Range**: \`10000-${10000 + services}\` (generated services)`, '');
process.stdout.write(lines.join('\n'));
