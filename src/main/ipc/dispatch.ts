import { GatepassError, toErrorBody } from '../../shared/errors';
import { contract, isChannel, type Channel, type ChannelOutput, type Contract } from '../../shared/ipc/contract';
import type { Envelope } from '../../shared/ipc/envelope';
import type { z } from 'zod';

/** A handler gets its input already parsed by the contract's schema. */
export type Handlers = {
  [C in Channel]: (input: z.output<Contract[C]['input']>) => Promise<ChannelOutput<C>>;
};

/**
 * The transport-agnostic core of every binding (Electron IPC, the browser host's HTTP):
 * refuses unknown channels, parses the payload, runs the handler, and turns any throw into
 * `{ code, message }`. It never throws, so a bad call can never crash main.
 */
export function createDispatcher(handlers: Handlers, options: { onInternalError?: (channel: string, err: unknown) => void } = {}) {
  return async function dispatch(channel: string, rawInput: unknown): Promise<Envelope<unknown>> {
    if (!isChannel(channel)) {
      return { ok: false, error: { code: 'UNKNOWN_CHANNEL', message: `Unknown channel: ${String(channel).slice(0, 64)}` } };
    }
    const parsed = contract[channel].input.safeParse(rawInput ?? {});
    if (!parsed.success) return { ok: false, error: toErrorBody(parsed.error) };
    try {
      const handler = handlers[channel] as (input: unknown) => Promise<unknown>;
      const data = await handler(parsed.data);
      return { ok: true, data };
    } catch (err) {
      // Expected failures carry a code; anything else is logged (without its input) and masked.
      if (!(err instanceof GatepassError)) options.onInternalError?.(channel, err);
      return { ok: false, error: toErrorBody(err) };
    }
  };
}

export type Dispatch = ReturnType<typeof createDispatcher>;
