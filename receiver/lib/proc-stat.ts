// One process's line of /proc/<pid>/stat (Linux), split into fields. The command name (field 2) is in parentheses
// and may itself hold spaces and parentheses, so the fields are taken after its last ')'; none of them holds one.
import { readFileSync } from 'node:fs';

/** Fields 3 onwards of /proc/<pid>/stat (the state letter first: index 0 is field 3), or null when the process is
 * gone or /proc cannot be read. */
export function procStatFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}
