/** src/clock: time and timers as an interface, below the daemon and discovery, so both take it injected. */
export { type Clock, type Timer, systemClock } from './clock.js';
