// CPU time spent by groups of processes during a piece of work, read from /proc (Linux): what a benchmark's figure
// is spent on, beside the figure. On a machine with fewer cores than busy processes, the time per unit of work says
// which process runs out of CPU first, and whether it is CPU that runs out at all (the machine's idle share).
import { readFileSync } from 'node:fs';
import { procStatFields } from '../receiver/lib/proc-stat';

/** /proc reports CPU time in clock ticks of USER_HZ, which is 100 on Linux whatever the kernel's own rate. */
const MICROSECONDS_PER_TICK = 10_000;

export interface CpuTime {
  userUs: number;
  systemUs: number;
}

/** utime and stime of one process, or null once it has ended. */
function cpuTimeOf(pid: number): CpuTime | null {
  const fields = procStatFields(pid);
  // utime and stime are fields 14 and 15 overall.
  return fields ? { userUs: Number(fields[11]) * MICROSECONDS_PER_TICK, systemUs: Number(fields[12]) * MICROSECONDS_PER_TICK } : null;
}

/** The machine's idle and total ticks since boot (the first line of /proc/stat: idle and iowait count as idle). */
function machineTicks(): { idle: number; total: number } {
  const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  const ticks = values.map(Number);
  return { idle: ticks[3]! + ticks[4]!, total: ticks.reduce((sum, tick) => sum + tick, 0) };
}

export interface CpuDuring<T> {
  result: T;
  /** Per group: CPU used during the work, summed over its processes. */
  groups: Record<string, CpuTime>;
  /** Share of the machine's CPU time left idle during the work (0: every core was busy all along). */
  idleShare: number;
}

/**
 * Runs `work` and reports the CPU time each group's processes used meanwhile. Groups are listed again at the end, so
 * a process started during the work (a new database backend) counts from its start; one that ended is not counted.
 */
export async function cpuDuring<T>(groups: Record<string, () => number[]>, work: () => Promise<T>): Promise<CpuDuring<T>> {
  const sample = () => {
    const byGroup = new Map<string, Map<number, CpuTime>>();
    for (const [name, pids] of Object.entries(groups)) {
      const times = new Map<number, CpuTime>();
      for (const pid of pids()) {
        const time = cpuTimeOf(pid);
        if (time) times.set(pid, time);
      }
      byGroup.set(name, times);
    }
    return { byGroup, machine: machineTicks() };
  };
  const before = sample();
  const result = await work();
  const after = sample();
  const used: Record<string, CpuTime> = {};
  for (const [name, times] of after.byGroup) {
    const sum = { userUs: 0, systemUs: 0 };
    for (const [pid, time] of times) {
      const start = before.byGroup.get(name)?.get(pid) ?? { userUs: 0, systemUs: 0 };
      sum.userUs += time.userUs - start.userUs;
      sum.systemUs += time.systemUs - start.systemUs;
    }
    used[name] = sum;
  }
  const total = after.machine.total - before.machine.total;
  return { result, groups: used, idleShare: total > 0 ? (after.machine.idle - before.machine.idle) / total : 0 };
}
