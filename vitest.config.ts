import { defineConfig } from 'vitest/config';

// Integration and netns tests start real sockets and processes: give them room, and run files in
// separate forks so a crash in one cannot take another down.
export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts', 'tests/**/*.test.tsx'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
