// Progress output for long commands: a redrawn bar on a terminal, plain lines (at most every few seconds) when
// the output goes to a file or a CI log, where carriage returns would only make a mess.
import type { BackfillProgressView } from '../sync/backfill';

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

export function progressLine(p: BackfillProgressView, width = 30): string {
  const total = p.total ?? 0;
  const fraction = total > 0 ? Math.min(1, p.processed / total) : 0;
  const filled = Math.round(fraction * width);
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
  const rate = p.ratePerSecond !== null ? `${p.ratePerSecond.toFixed(1)} orders/s` : '… orders/s';
  const eta = p.etaSeconds !== null ? `ETA ${formatDuration(p.etaSeconds)}` : 'ETA ?';
  return `${bar} ${p.processed}/${p.total ?? '?'} (${Math.round(fraction * 100)}%)  ${rate}  ${eta}  synced ${p.synced}, skipped ${p.skipped}, failed ${p.failed}`;
}

export function createProgressReporter(stream: NodeJS.WriteStream, plainEveryMs = 5_000) {
  let lastPlain = 0;
  return {
    update(p: BackfillProgressView) {
      const line = progressLine(p);
      if (stream.isTTY) {
        stream.write(`\r${line.slice(0, (stream.columns ?? 120) - 1)}`);
      } else if (Date.now() - lastPlain >= plainEveryMs) {
        lastPlain = Date.now();
        stream.write(`${line}\n`);
      }
    },
    finish(p: BackfillProgressView) {
      if (stream.isTTY) stream.write(`\r${progressLine(p).slice(0, (stream.columns ?? 120) - 1)}\n`);
      stream.write(
        `Backfill of ${p.event} ${p.state}: ${p.processed} orders processed, ${p.synced} synced, ${p.skipped} skipped (no identifier), ${p.failed} failed${p.error ? ` — ${p.error}` : ''}.\n`,
      );
      if (p.failed > 0) stream.write('See `pretix-hubspot jobs failed` for the failed orders; they are retried like any other job.\n');
    },
  };
}
