/** src/daemon/presence: who is out there, flooded as signed presence. */
export { DEFAULT_PRESENCE_INTERVAL_MS, PresenceService } from './presence-service.js';
