import { createContext, useContext, useEffect, useState, useSyncExternalStore, type ReactNode } from "react";
import { api } from "../api/client";
import { startHub } from "./hub";
import { applyMessage, LiveStore, type LiveState } from "./state";

const LiveContext = createContext<LiveStore | null>(null);

export function LiveProvider({ children }: { children: ReactNode }) {
  const [store] = useState(() => new LiveStore());
  useEffect(() => startHub(store), [store]);
  // The indicator needs the stores list before any "stores" message arrives.
  const connects = useSyncExternalStore(store.subscribe, () => store.getState().connects);
  useEffect(() => {
    const controller = new AbortController();
    api.stores(controller.signal).then(
      (payload) => store.update((s) => applyMessage(s, "stores", payload)),
      () => undefined,
    );
    return () => controller.abort();
  }, [store, connects]);
  return <LiveContext.Provider value={store}>{children}</LiveContext.Provider>;
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
