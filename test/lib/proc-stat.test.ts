import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { procStatFields } from '../../receiver/lib/proc-stat';
import { waitFor } from '../helpers/wait-for';

describe('procStatFields', () => {
  it('reads the fields after a command name that holds spaces and parentheses', async () => {
    // The shell renames itself "a) b (c" and stays (the trailing `:` keeps it from exec'ing sleep): the name's own
    // ')' must not shift the fields.
    const child = spawn('bash', ['-c', 'printf "a) b (c" > /proc/$$/comm; sleep 30; :'], { stdio: 'ignore' });
    try {
      await waitFor(() => readFileSync(`/proc/${child.pid}/comm`, 'utf8').trim() === 'a) b (c', 'the renamed shell');
      const fields = procStatFields(child.pid!);
      expect(fields).not.toBeNull();
      expect(fields![0]).toMatch(/^[RSD]$/); // field 3: the state
      expect(Number(fields![1])).toBe(process.pid); // field 4: the parent
    } finally {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  });

  it('answers null for a process that is not there', () => {
    // Above the kernel's largest pid (2^22).
    expect(procStatFields(2 ** 22 + 1)).toBeNull();
  });
});
