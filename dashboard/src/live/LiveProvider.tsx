import { createContext, useContext, useEffect, useState, useSyncExternalStore, type ReactNode } from "react";
import { api, onDataset } from "../api/client";
import { canReadDemo } from "../features/demo/demo";
import { useRole } from "../lib/role";
import { useApi } from "../lib/useApi";
import { startHub } from "./hub";
import { applyMessage, LiveStore, withDataset, type LiveState } from "./state";

const LiveContext = createContext<LiveStore | null>(null);

/** The demo state is read again this often while the page is visible, should a "demo" message be lost. */
export const DEMO_POLL_MS = 60_000;

export function LiveProvider({ children }: { children: ReactNode }) {
  const [store] = useState(() => new LiveStore());
  useEffect(() => startHub(store), [store]);
  // The indicator needs the stores list before any "stores" message arrives.
  const connects = useSyncExternalStore(store.subscribe, () => store.getState().connects);
  const stores = useApi((signal) => api.stores(signal), [store], { refreshOn: [connects] });
  useEffect(() => {
    if (stores.data) store.update((s) => applyMessage(s, "stores", stores.data));
  }, [store, stores.data]);
  useDemoWatch(store, connects);
  return <LiveContext.Provider value={store}>{children}</LiveContext.Provider>;
}

/**
 * Keep the demo state current: every API answer names its dataset in a header; GET /api/demo is
 * read once the backend names one (on load), whenever the named dataset changes, after a
 * reconnection and every DEMO_POLL_MS while visible. "demo" hub messages arrive through the hub.
 * A backend without datasets names none, so nothing is asked of it.
 */
function useDemoWatch(store: LiveStore, connects: number): void {
  const { role } = useRole();
  const readable = canReadDemo(role);
  useEffect(() => onDataset((dataset) => store.update((s) => withDataset(s, dataset))), [store]);
  const dataset = useSyncExternalStore(store.subscribe, () => store.getState().dataset);
  const demo = useApi(readable && dataset !== null ? (signal) => api.demo(signal) : null, [readable, dataset], {
    every: DEMO_POLL_MS,
    refreshOn: [connects],
  });
  useEffect(() => {
    if (demo.data) store.update((s) => applyMessage(s, "demo", demo.data));
  }, [store, demo.data]);
}

export function useLiveStore(): LiveStore {
  const store = useContext(LiveContext);
  if (!store) throw new Error("useLive must be used inside <LiveProvider>");
  return store;
}

/** Subscribe to one slice of the live state; re-renders only when that slice changes. */
export function useLive<T>(select: (state: LiveState) => T): T {
  const store = useLiveStore();
  return useSyncExternalStore(store.subscribe, () => select(store.getState()));
}
