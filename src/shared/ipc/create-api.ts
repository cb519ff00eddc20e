import { GatepassError, type ErrorCode } from '../errors';
import { contract, type Channel, type ChannelInput, type ChannelOutput, type EventName, type EventPayload } from './contract';
import { EnvelopeSchema } from './envelope';

/** The one function a transport supplies: send a channel and its raw input, get an envelope back. */
export type Invoke = (channel: Channel, input: unknown) => Promise<unknown>;
/** Subscribe to a main-process event; returns the unsubscribe function. */
export type Subscribe = (event: EventName, listener: (payload: unknown) => void) => () => void;

type DomainOf<C> = C extends `${infer D}:${string}` ? D : never;
type VerbOf<C, D extends string> = C extends `${D}:${infer V}` ? V : never;
// `{} extends X` is true when every field of X is optional: then the argument may be left out.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
type Fn<C extends Channel> = {} extends ChannelInput<C>
  ? (input?: ChannelInput<C>) => Promise<ChannelOutput<C>>
  : (input: ChannelInput<C>) => Promise<ChannelOutput<C>>;

/** `window.gatepass`: `gatepass.users.list({...})`, derived from the contract so it is never written twice. */
export type GatepassApi = {
  readonly [D in DomainOf<Channel>]: { readonly [V in VerbOf<Channel, D>]: Fn<`${D}:${V}` & Channel> };
} & {
  readonly on: <E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void) => () => void;
};

/** The error the renderer catches: the stable code plus the message to show. */
export class ApiError extends GatepassError {}

/**
 * Builds the renderer's API from the contract over any transport: Electron's preload
 * passes `ipcRenderer.invoke`, the browser host passes an HTTP call.
 */
export function createApi(invoke: Invoke, subscribe: Subscribe): GatepassApi {
  const api: Record<string, Record<string, (input?: unknown) => Promise<unknown>>> = {};
  for (const name of Object.keys(contract) as Channel[]) {
    const [domain, verb] = name.split(':') as [string, string];
    api[domain] ??= {};
    api[domain][verb] = async (input?: unknown) => {
      const raw = await invoke(name, input ?? {});
      const env = EnvelopeSchema.safeParse(raw);
      if (!env.success) throw new ApiError('INTERNAL', `Malformed reply on ${name}`);
      if (!env.data.ok) throw new ApiError(env.data.error.code as ErrorCode, env.data.error.message, env.data.error.details);
      return env.data.data;
    };
  }
  const on = (event: EventName, listener: (payload: unknown) => void) => subscribe(event, listener);
  return Object.freeze({ ...api, on }) as unknown as GatepassApi;
}

export type { ChannelInput, ChannelOutput };
