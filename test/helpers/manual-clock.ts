// A clock and timers the test moves by hand: advance() runs every timer due on the way, in time order, letting
// promise callbacks settle between them.
export type ManualClock = ReturnType<typeof manualClock>;

export function manualClock() {
  let t = 0;
  let nextId = 0;
  const timers = new Map<number, { at: number; callback: () => void }>();
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  return {
    now: () => t,
    setTimer: (callback: () => void, ms: number) => {
      nextId += 1;
      timers.set(nextId, { at: t + ms, callback });
      return nextId;
    },
    clearTimer: (handle: unknown) => void timers.delete(handle as number),
    async advance(ms: number) {
      const target = t + ms;
      for (;;) {
        await settle();
        const due = [...timers.entries()].filter(([, timer]) => timer.at <= target).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        t = Math.max(t, due[1].at);
        due[1].callback();
      }
      t = target;
      await settle();
    },
  };
}
