import { defineConfig } from 'vitest/config';

// Integration and netns tests start real sockets and processes: give them room, and run files in
// separate forks so a crash in one cannot take another down. The slow files (tmux, namespaces, the
// bench smoke test, real daemons) spend most of their time waiting on other processes, and no two
// files share state (ports are picked by the kernel, namespaces and data directories are per run), so
// three forks overlap that waiting even on a 2-core machine, where vitest would otherwise run one.
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
