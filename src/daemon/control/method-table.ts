/**
 * An API described as a table, one row per method: where each argument travels in a request's `params`
 * map and the schema it must match, and whether the method is a call (answered once) or the event
 * subscription. A transport serves any object through its table (`MethodSession`) and derives its
 * client from the same table (`remoteCalls`), so a new method is a new row, never an edit to a
 * transport. Nothing here knows sockets or frames: the control socket uses it, and a web transport can
 * reuse it as it is.
 */
import { type Check, isKonnectError, isPlainObject, UsageError } from '../../wire/index.js';

/** Where one positional argument travels in a request's `params` map, and what it must match. */
export type ArgSpec<T> =
  /** Under its own key. */
  | { readonly name: string; readonly check: Check<T> }
  /** Its fields are the map's own fields (a query, an options bag); an absent argument adds none. */
  | { readonly fields: Check<T> };

export interface CallSpec<Args extends unknown[] = unknown[]> {
  readonly kind: 'call';
  readonly args: { readonly [I in keyof Args]: ArgSpec<Args[I]> };
}

/**
 * `subscribe(listener) => unsubscribe`: a request named by the row starts the events, one named `stop`
 * ends them. Events carry no row name, so a table has at most one such row.
 */
export interface EventsSpec {
  readonly kind: 'events';
  readonly stop: string;
}

/** The row a method needs: events for `subscribe`, a call for a method that returns a promise. */
export type SpecOf<F> = F extends (listener: (event: infer _E) => void) => () => void
  ? EventsSpec
  : F extends (...args: infer A) => Promise<unknown>
    ? CallSpec<A>
    : never;

/** Names that are not requests: `close` releases the client itself. */
type LocalName = 'close';

/** A row for every method of `Api` (the compiler asks for one when a method is added). */
export type MethodTable<Api> = { readonly [K in Exclude<keyof Api, LocalName> & string]: SpecOf<Api[K]> };

/** The call methods of `Api`, as a client derived from its table has them. */
export type RemoteCalls<Api> = {
  [
    K in Exclude<keyof Api, LocalName> as Api[K] extends (...args: never[]) => Promise<unknown> ? K : never
  ]: Api[K];
};

export const call = <Args extends unknown[]>(...args: CallSpec<Args>['args']): CallSpec<Args> => ({
  kind: 'call',
  args,
});
export const arg = <T>(name: string, check: Check<T>): ArgSpec<T> => ({ name, check });
export const fields = <T>(check: Check<T>): ArgSpec<T> => ({ fields: check });
export const events = (stop: string): EventsSpec => ({ kind: 'events', stop });

type Route =
  | { role: 'call'; name: string; spec: CallSpec }
  | { role: 'start'; name: string }
  | { role: 'stop'; name: string };

/** Request name to what it does. A Map, so `constructor` or `__proto__` is never a method. */
function routes(table: object): Map<string, Route> {
  const map = new Map<string, Route>();
  for (const [name, spec] of Object.entries(table) as [string, CallSpec | EventsSpec][]) {
    if (spec.kind === 'call') map.set(name, { role: 'call', name, spec });
    else {
      if ([...map.values()].some((r) => r.role === 'start'))
        throw new TypeError('a method table has at most one events row');
      map.set(name, { role: 'start', name });
      map.set(spec.stop, { role: 'stop', name });
    }
  }
  return map;
}

/** The request names that start and stop a table's events, or null when it has none. */
export function eventsRow(table: object): { start: string; stop: string } | null {
  for (const [name, spec] of Object.entries(table) as [string, CallSpec | EventsSpec][])
    if (spec.kind === 'events') return { start: name, stop: spec.stop };
  return null;
}

/** A call's arguments as the `params` map of its request. */
export function encodeParams(spec: CallSpec, args: readonly unknown[]): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  spec.args.forEach((a, i) => {
    const value = args[i];
    if (value === undefined || value === null) return;
    if ('fields' in a) Object.assign(params, value);
    else params[a.name] = value;
  });
  return params;
}

/** A request's `params` map as the call's arguments, each checked; INVALID_ARGUMENT names the field. */
export function decodeArgs(method: string, spec: CallSpec, params: Record<string, unknown>): unknown[] {
  try {
    return spec.args.map((a) =>
      'fields' in a
        ? a.fields(params, method)
        : a.check(
            Object.prototype.hasOwnProperty.call(params, a.name) ? params[a.name] : undefined,
            `${method}.${a.name}`,
          ),
    );
  } catch (err) {
    if (isKonnectError(err) && err.code === 'SCHEMA_INVALID')
      throw new UsageError('INVALID_ARGUMENT', err.message, { cause: err });
    throw err;
  }
}

type Callable = Record<string, (...args: unknown[]) => unknown>;

/**
 * One client of an API served through its table: runs its requests and holds its subscription.
 * Calls the object's methods only as the table allows, with arguments that passed their schemas.
 */
export class MethodSession<Api extends object> {
  private readonly subscriptions = new Map<string, () => void>();
  private readonly routes: Map<string, Route>;

  constructor(
    private readonly api: Api,
    table: MethodTable<Api>,
    /** Where this client's events go once it subscribed. */
    private readonly onEvent: (event: unknown) => void,
  ) {
    this.routes = routes(table);
  }

  /** Runs one request: its result (null for none), or USAGE for an unknown method, INVALID_ARGUMENT for bad params. */
  async handle(method: string, params: unknown): Promise<unknown> {
    const route = this.routes.get(method);
    if (!route) throw new UsageError('USAGE', `unknown method ${method}`);
    const api = this.api as unknown as Callable;
    if (route.role === 'start') {
      if (!this.subscriptions.has(route.name))
        this.subscriptions.set(
          route.name,
          api[route.name]((event: unknown) => this.onEvent(event)) as () => void,
        );
      return null;
    }
    if (route.role === 'stop') {
      this.subscriptions.get(route.name)?.();
      this.subscriptions.delete(route.name);
      return null;
    }
    if (params !== undefined && params !== null && !isPlainObject(params))
      throw new UsageError('INVALID_ARGUMENT', `${method}: params must be a map`);
    const args = decodeArgs(method, route.spec, (params ?? {}) as Record<string, unknown>);
    return (await api[route.name](...args)) ?? null;
  }

  /** Ends this client's subscription (its connection is gone). */
  close(): void {
    for (const stop of this.subscriptions.values()) stop();
    this.subscriptions.clear();
  }
}

/** A function per call row, each sending its arguments through `request` as the row encodes them. */
export function remoteCalls<Api>(
  table: MethodTable<Api>,
  request: (method: string, params: Record<string, unknown>) => Promise<unknown>,
): RemoteCalls<Api> {
  const out: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const route of routes(table).values()) {
    if (route.role !== 'call') continue;
    const { name, spec } = route;
    out[name] = (...args) => request(name, encodeParams(spec, args));
  }
  return out as RemoteCalls<Api>;
}

/**
 * A function per call row that forwards to whatever `target()` returns at the time of the call; a
 * target that throws (none at the moment) rejects the call instead.
 */
export function forwardCalls<Api>(table: MethodTable<Api>, target: () => RemoteCalls<Api>): RemoteCalls<Api> {
  const out: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const route of routes(table).values()) {
    if (route.role !== 'call') continue;
    const { name } = route;
    out[name] = async (...args) => (target() as unknown as Callable)[name](...args);
  }
  return out as RemoteCalls<Api>;
}
