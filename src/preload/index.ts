import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { createApi, type Subscribe } from '../shared/ipc/create-api';
import { isEventName, type EventName } from '../shared/ipc/contract';

/**
 * The sandboxed preload: exposes `window.gatepass` (built from the contract) and nothing
 * else. ipcRenderer itself never reaches the page; events arrive on one channel and are
 * handed out by name, each subscription returning its own unsubscribe.
 */
const EVENT_CHANNEL = 'gatepass:event';
const listeners = new Map<EventName, Set<(payload: unknown) => void>>();

ipcRenderer.on(EVENT_CHANNEL, (_event: IpcRendererEvent, name: unknown, payload: unknown) => {
  if (typeof name !== 'string' || !isEventName(name)) return;
  for (const listener of listeners.get(name) ?? []) {
    try {
      listener(payload);
    } catch {
      // One failing listener must not stop the others from hearing the event.
    }
  }
});

const subscribe: Subscribe = (event, listener) => {
  let set = listeners.get(event);
  if (!set) listeners.set(event, (set = new Set()));
  // Wrap, so the same function subscribed twice unsubscribes independently.
  const entry = (payload: unknown) => listener(payload);
  set.add(entry);
  return () => {
    set.delete(entry);
  };
};

contextBridge.exposeInMainWorld(
  'gatepass',
  createApi((channel, input) => ipcRenderer.invoke(channel, input), subscribe),
);
