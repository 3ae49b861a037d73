import { defineConfig } from 'vitest/config';

// Integration and netns tests start real sockets and processes: give them room, and run files in
// separate forks so a crash in one cannot take another down. The slow files (tmux, namespaces, the
// bench smoke test, real daemons) spend most of their time waiting on other processes, and no two
// files share state (ports are picked by the kernel, namespaces and data directories are per run), so
// two forks overlap that waiting on a 2-core machine, where vitest would otherwise run one. Three made
// the CPU-bound files (bench smoke, a 45,000-message catch-up in one process, tmux) starve each other.
export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts', 'tests/**/*.test.tsx'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
