// Whether the last statements reached PostgreSQL, for health(): synchronous like the lowdb store's, so /healthz
// answers from memory; every statement of the store goes through track(), which remembers the last outcome.
import type { StoreHealth } from '../types';

export class QueryHealth {
  private problem: string | null = null;

  async track<T>(work: () => Promise<T>): Promise<T> {
    try {
      const result = await work();
      this.problem = null;
      return result;
    } catch (error) {
      if (isConnectionProblem(error)) this.problem = `PostgreSQL cannot be reached (${describe(error)})`;
      throw error;
    }
  }

  health(): StoreHealth {
    return this.problem === null ? { ok: true, kind: 'postgres' } : { ok: false, kind: 'postgres', reason: this.problem };
  }
}

/** Connection-level failures (not a constraint or a bad statement): what makes webhooks unacceptable. */
function isConnectionProblem(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    // Class 08 connection exceptions, 57P0x shutdown / cannot connect now, 53xxx insufficient resources.
    if (/^(08|57P0|53)/.test(code)) return true;
    // Node socket errors (ECONNREFUSED, ECONNRESET, ETIMEDOUT, ENOTFOUND, …).
    if (/^E[A-Z]+$/.test(code)) return true;
    return false;
  }
  return /timeout|terminated|Connection/i.test(error.message);
}

/** Without the URL or the password that some driver messages quote. */
function describe(error: unknown): string {
  const e = error as { code?: string; message?: string };
  return e.code ?? (e.message ?? 'unknown error').replace(/postgres(ql)?:\/\/\S+/g, '<database url>');
}
