/** presenceLine: which presences a chat shows as "joined", "left" or a rename, and which it keeps quiet. */
import { describe, expect, it } from 'vitest';
import { presenceLine } from '../../src/wire/index.js';

const around = { wasOnline: true, announced: true, rooms: ['lobby', 'ops'] };

describe('presenceLine', () => {
  it('shows leaves and renames always', () => {
    expect(presenceLine({ event: 'leave', rooms: [] }, around)).toBe('leave');
    expect(presenceLine({ event: 'nick', rooms: ['lobby', 'ops'] }, around)).toBe('nick');
  });

  it('shows a peer coming online, by join or by a heartbeat after it had gone quiet', () => {
    const away = { wasOnline: false, announced: true, rooms: ['lobby'] };
    expect(presenceLine({ event: 'join', rooms: ['lobby'] }, away)).toBe('join');
    expect(presenceLine({ event: 'here', rooms: ['lobby'] }, away)).toBe('join');
  });

  it('shows the first presence of a peer known only by its link', () => {
    const linkedOnly = { wasOnline: true, announced: false, rooms: ['lobby'] };
    expect(presenceLine({ event: 'join', rooms: ['lobby'] }, linkedOnly)).toBe('join');
  });

  it('keeps quiet on a join from a peer online all along in the same rooms, in any order', () => {
    expect(presenceLine({ event: 'join', rooms: ['ops', 'lobby'] }, around)).toBeNull();
    expect(presenceLine({ event: 'here', rooms: ['lobby', 'ops'] }, around)).toBeNull();
  });

  it('shows a join that brings other rooms', () => {
    expect(presenceLine({ event: 'join', rooms: ['lobby'] }, around)).toBe('join');
    expect(presenceLine({ event: 'join', rooms: ['lobby', 'ops', 'dev'] }, around)).toBe('join');
    expect(presenceLine({ event: 'join', rooms: ['lobby', 'dev'] }, around)).toBe('join');
  });
});
