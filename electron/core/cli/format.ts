/** Human output for the CLI: tables, byte sizes, status blocks and progress lines. */
import { formatBytes } from '../util/format';
import type { Progress } from '../util/progress';

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

export interface StatusLike {
  name: string;
  stack: string;
  domain: string;
  state: string;
  services: { name: string; state: string; health: string }[];
  localUrl: string | null;
  publicUrl: string | null;
  error?: { code: string; message: string } | null;
}

export function formatStatus(s: StatusLike): string {
  const lines = [
    `${s.name} (${s.stack}) — ${s.state}`,
    `  domain:     ${s.domain}`,
    `  local URL:  ${s.localUrl ?? '-'}`,
    `  public URL: ${s.publicUrl ?? '- (no tunnel yet)'}`,
  ];
  if (s.error) lines.push(`  problem:    ${s.error.message}`);
  for (const svc of s.services) {
    lines.push(`  ${svc.name.padEnd(12)} ${svc.state}${svc.health !== 'none' ? ` (${svc.health})` : ''}`);
  }
  return lines.join('\n') + '\n';
}

/** Turns progress events into lines; pull progress at most once per image per 10 %. */
export function progressPrinter(write: (line: string) => void): (p: Progress) => void {
  const lastPct = new Map<string, number>();
  return (p) => {
    switch (p.kind) {
      case 'step':
        if (p.state === 'start') write(`… ${p.step}${p.detail ? ` (${p.detail})` : ''}\n`);
        else if (p.state === 'done') write(`✓ ${p.step}${p.detail ? ` (${p.detail})` : ''}\n`);
        else if (p.state === 'skipped') write(`- ${p.step}${p.detail ? ` (${p.detail})` : ''}\n`);
        else write(`✗ ${p.step}${p.detail ? `: ${p.detail}` : ''}\n`);
        break;
      case 'pull': {
        const pct = p.total > 0 ? Math.floor((p.current / p.total) * 10) * 10 : 0;
        if ((lastPct.get(p.image) ?? -1) >= pct) break;
        lastPct.set(p.image, pct);
        write(`  downloading ${p.image}: ${formatBytes(p.current)} / ${formatBytes(p.total)} (${pct}%)\n`);
        break;
      }
      case 'health':
        write(`  ${p.service}: ${p.health}\n`);
        break;
      case 'log':
        write(`  ${p.line}\n`);
        break;
    }
  };
}
