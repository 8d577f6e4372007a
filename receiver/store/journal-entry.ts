// What one line of the queue journal holds: its own module, so that the state schema (which validates these lines)
// and the journal replay (which reads them) both depend on it and not on each other.
import type { BackfillState, JobTrigger, SweepState } from './types';

/** An acknowledged webhook (lines without `kind` are these: the journal's original shape). */
export interface WebhookEntry {
  kind?: 'webhook';
  notificationKey: string;
  trigger: JobTrigger;
  at: number;
}

/** The latest state of a backfill or sweep; replay keeps the last one per event. */
export type ProgressEntry = { kind: 'backfill'; state: BackfillState } | { kind: 'sweep'; state: SweepState };

export type JournalEntry = WebhookEntry | ProgressEntry;
