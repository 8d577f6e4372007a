// Reading the journal back at start, and telling a torn append from damage.
//
// Every append writes whole lines, each ending in "\n", and is acknowledged only after its fsync. So:
// - the bytes after a segment's last "\n" (no newline of their own) are a torn append: a write the process died in,
//   never acknowledged. They are replayed if they happen to be a whole entry, and otherwise ignored; not an error.
//   Any segment may end so, since a segment stops growing when the process dies while it is current.
// - a line that ends in "\n" but is not a journal entry is damage: reported with file and line number.
// - every segment starts with a header line, `#journal {"version":1,"segment":N}`, written and fsync'd before the
//   segment is used (not JSON as a whole on purpose: a receiver from before headers skips a line it cannot parse,
//   so going back to it still works). Once the state file says so (journalHeaders), a segment it expects that is
//   missing, or one that lacks its header, was emptied or deleted: damage. The one exception is the newest segment
//   when it is newer than the checkpoint's: a crash may have cut its creation short (its header was not yet on disk,
//   so nothing in it was acknowledged).
import { z } from 'zod';
import { issueText, type Damage } from './damaged-state';
import { journalEntrySchemaFor, journalHeaderSchema } from './state-schema';
import type { JournalEntry } from './journal-entry';

export type { JournalEntry, ProgressEntry, WebhookEntry } from './journal-entry';

export interface SegmentText {
  segment: number;
  file: string;
  /** null: the file does not exist. */
  text: string | null;
}

const HEADER_PREFIX = '#journal ';
export const journalHeaderLine = (segment: number) => `${HEADER_PREFIX}${JSON.stringify({ version: 1, segment })}\n`;
const isHeader = (line: string) => line.startsWith(HEADER_PREFIX) && parseLine(line.slice(HEADER_PREFIX.length), () => journalHeaderSchema).ok;

function parseLine<T>(line: string, schemaFor: (raw: unknown) => z.ZodType<T>): { ok: true; value: T } | { ok: false; reason: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return { ok: false, reason: 'not valid JSON' };
  }
  const parsed = schemaFor(raw).safeParse(raw);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, reason: `not a journal entry (${issueText(parsed.error)})` };
}

/** Whether a segment holds at least one whole line (its creation was not cut short). */
export const hasCompleteLine = (text: string | null) => text !== null && text.includes('\n');

export function readSegments(
  segments: SegmentText[],
  options: { headersExpected: boolean; fromSegment: number },
): { entries: JournalEntry[]; damages: Damage[] } {
  const entries: JournalEntry[] = [];
  const damages: Damage[] = [];
  const newest = segments.filter((s) => s.text !== null).at(-1)?.segment;
  for (const { segment, file, text } of segments) {
    if (text === null) {
      if (options.headersExpected) {
        damages.push({ file, lines: [], reason: 'this journal segment is missing: it held webhooks acknowledged after the last checkpoint', skipped: [] });
      }
      continue;
    }
    const lines = text.split('\n');
    const tail = lines.pop()!; // after the last "\n": '' or a torn append
    let first = 0;
    if (lines.length > 0 && isHeader(lines[0]!)) first = 1;
    else if (options.headersExpected && !(segment === newest && segment > options.fromSegment)) {
      damages.push({
        file,
        lines: [],
        reason: lines.length === 0 ? 'this journal segment was emptied' : 'this journal segment lacks its header line: it was cut or overwritten',
        skipped: [],
      });
    }
    for (let i = first; i < lines.length; i += 1) {
      const parsed = parseLine(lines[i]!, journalEntrySchemaFor);
      if (parsed.ok) entries.push(parsed.value);
      else damages.push({ file, lines: [i + 1], reason: parsed.reason, skipped: [lines[i]!] });
    }
    if (tail !== '') {
      const parsed = parseLine(tail, journalEntrySchemaFor);
      if (parsed.ok) entries.push(parsed.value);
    }
  }
  return { entries, damages };
}
