// Damaged state is named, never silently dropped: the state file, a journal line or a sync-record line that does not
// read back as what the receiver wrote stops the start with the file, the line and the reason. For journal and record
// lines a person may choose to go on without them (--repair / REPAIR_DAMAGED_STATE=1); what is skipped is then kept
// in `<file>.damaged` to look at, and the receiver rewrites its files without it.
import { appendFile } from 'node:fs/promises';

export interface Damage {
  file: string;
  /** 1-based line numbers, or empty when the whole file is the problem (missing, emptied). */
  lines: number[];
  reason: string;
  /** The raw text of the skipped lines, in order; kept in `keptIn` when repairing. */
  skipped: string[];
}

export interface RepairedDamage {
  file: string;
  lines: number[];
  reason: string;
  /** Where the skipped lines were kept, or null when there was nothing to keep. */
  keptIn: string | null;
}

export const damagedCopyFor = (file: string) => `${file}.damaged`;

const MAX_LINES_NAMED = 20;

function describe(damage: Damage): string {
  if (damage.lines.length === 0) return `${damage.file}: ${damage.reason}`;
  const named = damage.lines.slice(0, MAX_LINES_NAMED).join(', ');
  const more = damage.lines.length > MAX_LINES_NAMED ? ` and ${damage.lines.length - MAX_LINES_NAMED} more` : '';
  return `${damage.file} line${damage.lines.length > 1 ? 's' : ''} ${named}${more}: ${damage.reason}`;
}

const MAX_PROBLEMS_NAMED = 20;

/** Damages of one file with one reason as one entry, so a thousand bad lines make one line of the message. */
function grouped(damages: Damage[]): Damage[] {
  const groups = new Map<string, Damage>();
  for (const damage of damages) {
    const key = `${damage.file}\0${damage.reason}`;
    const group = groups.get(key);
    if (group) group.lines.push(...damage.lines);
    else groups.set(key, { ...damage, lines: [...damage.lines] });
  }
  return [...groups.values()];
}

/**
 * Damaged or newer state. `repairable`: only journal or record lines, which --repair may skip; otherwise the state
 * file itself, with nothing to skip, only to restore.
 */
export class DamagedStateError extends Error {
  constructor(
    readonly damages: Damage[],
    readonly repairable: boolean,
  ) {
    const problems = grouped(damages);
    const more = problems.length > MAX_PROBLEMS_NAMED ? [`  … and ${problems.length - MAX_PROBLEMS_NAMED} more`] : [];
    super(
      [
        'damaged state:',
        ...problems.slice(0, MAX_PROBLEMS_NAMED).map((damage) => `  - ${describe(damage)}`),
        ...more,
        repairable
          ? 'Nothing was changed. To start without the damaged lines, run with --repair (or REPAIR_DAMAGED_STATE=1): they are ' +
            'kept in <file>.damaged beside each file; the reconcile sweep then finds orders changed since its last run.'
          : 'Nothing was changed. Restore the file from a backup, or start a receiver of the version that wrote it.',
      ].join('\n'),
    );
    this.name = 'DamagedStateError';
  }
}

/** Keeps the skipped lines of each damage beside its file, for a person to look at; one entry per file and reason. */
export async function keepDamaged(damages: Damage[]): Promise<RepairedDamage[]> {
  const keptIn = new Map<string, string>();
  for (const damage of damages) {
    if (damage.skipped.length === 0) continue;
    const copy = damagedCopyFor(damage.file);
    // Appended: an earlier repair's lines stay. 0600: the lines may name people (emails in sync records).
    await appendFile(copy, damage.skipped.map((line) => `${line}\n`).join(''), { mode: 0o600 });
    keptIn.set(damage.file, copy);
  }
  return grouped(damages).map((damage) => ({
    file: damage.file,
    lines: damage.lines,
    reason: damage.reason,
    keptIn: damage.skipped.length > 0 ? (keptIn.get(damage.file) ?? null) : null,
  }));
}

/** One zod issue as a short reason: where in the value, and what is wrong. */
export function issueText(error: { issues: { path: PropertyKey[]; message: string }[] }): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  const path = issue.path.map(String).join('.');
  return path ? `${path}: ${issue.message}` : issue.message;
}
