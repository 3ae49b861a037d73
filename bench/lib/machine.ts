/** The machine a figure was measured on: figures mean nothing without it. */
import os from 'node:os';
import type { MachineFacts } from './figures.js';

export function machineFacts(): MachineFacts {
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown CPU',
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    loadAverage: Math.round(os.loadavg()[0] * 100) / 100,
  };
}

export function machineLine(m: MachineFacts): string {
  return `${m.cores} cores × ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform} (load average ${m.loadAverage} at start)`;
}
