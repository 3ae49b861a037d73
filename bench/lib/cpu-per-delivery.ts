/**
 * CPU per delivery (issue 20): the process's CPU, user + system (every thread: the loop, the pool's
 * verifications and fsyncs, the collector), over a measured stretch of an in-process mesh, divided by
 * the deliveries made in it. Printed beside the floor measured in the same run (relay-floor.ts,
 * cpuFloorUs) and its ratio to that floor, whose target is at most 2.
 */
import { atMost, figure, type Figure } from './figures.js';
import { cpuFloorUs, type RelayFloor } from './relay-floor.js';
import { round } from './stats.js';

/** The bound on CPU per delivery, as a multiple of the floor (verify + decode + TCP). */
export const CPU_FLOOR_TARGET = 2;

export function cpuFigures(
  key: string,
  at: string,
  cpuPerDeliveryUs: number,
  floor: RelayFloor,
  verifiesPerSecond: number,
  targeted: boolean,
): Figure[] {
  const floorUs = cpuFloorUs(floor, verifiesPerSecond);
  return [
    figure(`${key}-cpu-per-delivery`, `process CPU per delivery, ${at}`, round(cpuPerDeliveryUs, 1), 'µs'),
    figure(`${key}-cpu-floor`, `floor: verify + decode + TCP (this run), ${at}`, round(floorUs, 1), 'µs'),
    figure(
      `${key}-cpu-ratio`,
      `CPU per delivery ÷ floor, ${at}`,
      round(cpuPerDeliveryUs / floorUs, 2),
      '× floor',
      {
        target: targeted ? atMost(CPU_FLOOR_TARGET) : undefined,
      },
    ),
  ];
}
