// What an order means for marketing-event participation, and what must be sent for it (pure).
import { describe, expect, it } from 'vitest';
import { orderSchema, type PretixOrder } from '../../receiver/pretix/schemas';
import { planParticipation } from '../../receiver/sync/participation';
import type { Participation } from '../../receiver/store/types';
import { loadFixture } from '../fixtures';

const paid = (): PretixOrder => orderSchema.parse(loadFixture('order-paid.json'));
const ON = { enabled: true };

describe('planParticipation', () => {
  it('registers every ticket holder of a paid order at the order time, once', () => {
    const order = paid();
    const plan = planParticipation(order, 'acme', ON);
    expect(plan.changes.map((c) => [c.call, c.email, c.at])).toEqual([
      ['register', 'jane.doe@example.com', Date.parse(order.datetime)],
      ['register', 'john.smith@example.org', Date.parse(order.datetime)],
    ]);
    expect(planParticipation(order, 'acme', ON, plan.next).changes).toEqual([]);
  });

  it('counts pending orders by default but not those awaiting approval, unless the event says so', () => {
    const pending = { ...paid(), status: 'n' as const };
    expect(planParticipation(pending, 'acme', ON).changes).toHaveLength(2);
    expect(planParticipation(pending, 'acme', { enabled: true, countPending: false }).changes).toEqual([]);
    const approval = { ...pending, require_approval: true };
    expect(planParticipation(approval, 'acme', ON).changes).toEqual([]);
    expect(planParticipation(approval, 'acme', { enabled: true, countApprovalPending: true }).changes).toHaveLength(2);
  });

  it('attends at the first entry check-in, marks a reverted one and cancels a removed ticket', () => {
    const order = paid();
    const registered = planParticipation(order, 'acme', ON).next;
    order.positions[1]!.checkins = [
      { list: 44, datetime: '2026-06-01T10:00:00Z', type: 'entry' },
      { list: 44, datetime: '2026-06-01T09:00:00Z', type: 'entry' },
      { list: 44, datetime: '2026-06-01T08:00:00Z', type: 'exit' },
    ];
    const attended = planParticipation(order, 'acme', ON, registered);
    expect(attended.changes).toEqual([{ externalEventId: 'acme:democon', subeventId: null, call: 'attend', email: 'john.smith@example.org', at: Date.parse('2026-06-01T09:00:00Z') }]);
    order.positions[1]!.checkins = [];
    const reverted = planParticipation(order, 'acme', ON, attended.next);
    expect(reverted.changes).toEqual([]);
    expect(reverted.next.find((p: Participation) => p.email === 'john.smith@example.org')).toMatchObject({ state: 'attended', reverted: true });
    order.positions.splice(1, 1);
    expect(planParticipation(order, 'acme', ON, reverted.next).changes.map((c) => [c.call, c.email])).toEqual([['cancel', 'john.smith@example.org']]);
  });

  it('cancels everyone of a canceled order, and nobody twice', () => {
    const order = paid();
    const registered = planParticipation(order, 'acme', ON).next;
    const canceled = planParticipation({ ...order, status: 'c' }, 'acme', ON, registered);
    expect(canceled.changes.map((c) => c.call)).toEqual(['cancel', 'cancel']);
    expect(planParticipation({ ...order, status: 'c' }, 'acme', ON, canceled.next).changes).toEqual([]);
  });
});
