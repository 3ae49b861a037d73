/**
 * `konnect doctor`'s probes, each bounded: a multicast probe per interface, a browse for advertised
 * nodes, and a timeout any promise can be raced against.
 */
import {
  defaultBonjourFactory,
  type MulticastProbeResult,
  parseService,
  probeMulticast,
  SERVICE_PROTOCOL,
  SERVICE_TYPE,
  socketOptionsFor,
} from '../discovery/index.js';

export const PROBE_MS = 1500;
export const BROWSE_MS = 3000;
export const CONTROL_MS = 3000;
/** Extra time a probe or a socket close may take beyond its own timer before doctor gives up on it. */
export const GRACE_MS = 2000;

/** probeMulticast that never rejects and never hangs (a socket that does not close is given up on). */
export async function safeProbe(address: string | undefined): Promise<MulticastProbeResult> {
  try {
    return await within(
      probeMulticast(address, PROBE_MS),
      PROBE_MS + GRACE_MS,
      'the multicast probe did not finish',
    );
  } catch (err) {
    return { received: false, ownQuerySeen: false, from: [], error: errorText(err) };
  }
}

interface Advertised {
  id: string;
  nick: string;
  addresses: string[];
}

export async function browse(
  interfaceAddress: string | undefined,
): Promise<{ nodes: Advertised[]; error?: string }> {
  const found = new Map<string, Advertised>();
  let error: string | undefined;
  try {
    const { bonjour, socket } = defaultBonjourFactory(socketOptionsFor(interfaceAddress), (err) => {
      error ??= err.message;
    });
    // Without a listener, a socket 'error' would crash the process.
    socket?.on('error', (err: Error) => (error ??= err.message));
    socket?.on('warning', () => undefined);
    const browser = bonjour.find({ type: SERVICE_TYPE, protocol: SERVICE_PROTOCOL });
    const seen = (service: Parameters<typeof parseService>[0]) => {
      const parsed = parseService(service);
      if (parsed)
        found.set(parsed.candidate.id, {
          id: parsed.candidate.id,
          nick: parsed.candidate.nick ?? '?',
          addresses: parsed.candidate.addresses,
        });
    };
    browser.on('up', seen);
    browser.on('txt-update', seen);
    await new Promise((r) => setTimeout(r, BROWSE_MS));
    browser.stop();
    await within(new Promise<void>((r) => bonjour.destroy(() => r())), GRACE_MS, '').catch(() => undefined);
  } catch (err) {
    error ??= errorText(err);
  }
  return { nodes: [...found.values()], ...(error ? { error } : {}) };
}

/** Resolves or rejects like `promise`, or rejects with `what` after `ms`. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
