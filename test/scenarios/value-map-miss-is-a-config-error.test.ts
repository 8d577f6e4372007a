// A choice answer missing from the value map stops the job as a configuration error with pretix's message,
// writes nothing for that order, and shows up in the failed-jobs list until someone fixes and retries it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncJob } from '../../receiver/store/types';
import { EVENT, ORGANIZER, PORTAL_ID, startStack, type Stack } from '../helpers/stack';
import { waitFor } from '../helpers/wait-for';

const attendeeMapping = (valueMap: Record<string, string>) => [
  {
    id: 2,
    pretix_model: 'OrderPosition',
    external_object_type: 'contacts',
    pretix_id_field: 'attendee_email',
    external_id_field: 'email',
    property_mappings: [{ pretix_field: 'question_TSHIRT', external_field: 'tshirt_size', value_map: JSON.stringify(valueMap), overwrite: 'overwrite' }],
  },
];

describe('value-map miss', () => {
  let stack: Stack;
  let connectionId: string;

  beforeAll(async () => {
    stack = await startStack();
    connectionId = (await stack.connect()).id;
    await stack.admin.put(`/connections/${connectionId}/events/${EVENT}/mappings?enable=true`, attendeeMapping({ TS_S: 'small', TS_L: 'large' }));
  });
  afterAll(() => stack.close());

  it('fails the job as config with the field and option named, and writes nothing', async () => {
    await stack.pretix.emit(ORGANIZER, EVENT, 'Q7X3M', 'pretix.event.order.placed');
    const { jobs } = await waitFor(async () => {
      const result = await stack.admin.get<{ jobs: (SyncJob & { failureLabel?: string })[] }>('/jobs?state=failed');
      return result.jobs.length > 0 ? result : null;
    }, 'a failed job');
    expect(jobs[0]).toMatchObject({ code: 'Q7X3M', failureClass: 'config', attempts: 1 });
    expect(jobs[0]?.lastError).toContain('Please update value mapping for field "question_TSHIRT" - option "TS_M" not assigned');
    expect(jobs[0]?.failureLabel).toMatch(/Misconfiguration/);
    expect(stack.hubspot.objects(PORTAL_ID, 'contacts')).toHaveLength(0);
  });

  it('syncs after the mapping is fixed and the job retried', async () => {
    await stack.admin.put(`/connections/${connectionId}/events/${EVENT}/mappings`, attendeeMapping({ TS_S: 'small', TS_M: 'medium', TS_L: 'large' }));
    await stack.admin.post('/jobs/retry', { key: `${connectionId}:${EVENT}:Q7X3M` });
    await waitFor(() => stack.hubspot.findByProperty(PORTAL_ID, 'contacts', 'email', 'jane.doe@example.com')?.properties.tshirt_size === 'medium', 'synced after retry');
    expect((await stack.store.queueCounts()).failed).toBe(0);
  });
});
