// One `warn` line per retried request to pretix or HubSpot, so an operator sees faults before they become failed
// jobs, but rate-limited per service: a 429 storm over thousands of requests would otherwise bury everything else.
// At most `maxLines` lines per service per window; what was held back is counted and reported once the window ends.
import type { RetryEvent } from './http-transport';

export interface WarnLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface RetryLogOptions {
  /** Lines per service per window (default 5). */
  maxLines?: number;
  /** Default 10 s. */
  windowMs?: number;
  now?: () => number;
  /** For the "suppressed" summary at the end of a window; tests use fake timers. */
  setTimer?: (run: () => void, ms: number) => void;
}

interface Window {
  startedAt: number;
  logged: number;
  suppressed: number;
  flushScheduled: boolean;
}

export function createRetryLog(logger: WarnLogger, options: RetryLogOptions = {}): (event: RetryEvent) => void {
  const maxLines = options.maxLines ?? 5;
  const windowMs = options.windowMs ?? 10_000;
  const now = options.now ?? Date.now;
  const setTimer =
    options.setTimer ??
    ((run: () => void, ms: number) => {
      // Never keeps the process alive for a log line.
      setTimeout(run, ms).unref();
    });
  const windows = new Map<string, Window>();

  const flush = (service: string, window: Window) => {
    window.flushScheduled = false;
    if (window.suppressed === 0) return;
    logger.warn(
      { component: 'http-retry', service, suppressed: window.suppressed, windowMs },
      `${window.suppressed} more ${service} request retr${window.suppressed === 1 ? 'y was' : 'ies were'} not logged in the last ${windowMs / 1000} s`,
    );
    window.suppressed = 0;
  };

  return (event) => {
    const t = now();
    let window = windows.get(event.service);
    if (!window || t - window.startedAt >= windowMs) {
      if (window) flush(event.service, window);
      window = { startedAt: t, logged: 0, suppressed: 0, flushScheduled: false };
      windows.set(event.service, window);
    }
    if (window.logged < maxLines) {
      window.logged += 1;
      // Method and path only: the query may hold personal data, and headers hold the token.
      logger.warn(
        { component: 'http-retry', service: event.service, status: event.status, attempt: event.attempt, delayMs: event.delayMs, method: event.method, path: event.path },
        `${event.service} answered ${typeof event.status === 'number' ? `HTTP ${event.status}` : `no answer (${event.status})`}; attempt ${event.attempt} in ${event.delayMs} ms`,
      );
      return;
    }
    window.suppressed += 1;
    if (!window.flushScheduled) {
      window.flushScheduled = true;
      const current = window;
      setTimer(() => flush(event.service, current), Math.max(0, current.startedAt + windowMs - t));
    }
  };
}
