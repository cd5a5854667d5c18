import { useEffect, useState } from "react";
import { api, ApiError } from "../api/client";
import type { StoresPayload } from "../api/types";
import { Empty, ErrorBox, Loading } from "../components/Status";
import { ago, istDateTime } from "../lib/format";
import { useRole } from "../lib/role";
import { useApi } from "../lib/useApi";
import { useLive, useLiveStore } from "../live/LiveProvider";
import { applyMessage } from "../live/state";

export function StoresPage() {
  const { isAdmin } = useRole();
  const fetched = useApi((signal) => api.stores(signal), []);
  const live = useLive((s) => s.stores);
  const store = useLiveStore();
  const [busy, setBusy] = useState<string | null>(null);
  const [failure, setFailure] = useState<ApiError | null>(null);
  const [payload, setPayload] = useState<StoresPayload | null>(null);

  useEffect(() => {
    if (fetched.data) setPayload(fetched.data);
  }, [fetched.data]);
  useEffect(() => {
    if (live) setPayload(live);
  }, [live]);

  const toggle = async (marketplace: string, connect: boolean) => {
    setBusy(marketplace);
    setFailure(null);
    try {
      const updated = await api.setStore(marketplace, connect);
      // The header's indicator reads the same payload, so it flips at once too.
      store.update((s) => applyMessage(s, "stores", updated));
    } catch (exc) {
      if (exc instanceof ApiError) setFailure(exc);
    } finally {
      setBusy(null);
    }
  };

  return (
    <div className="page" data-testid="page-stores">
      <div className="page-head"><h1>Stores</h1></div>
      {payload ? (
        <div className={`notice notice-${payload.mode}`} data-testid="stores-mode" data-mode={payload.mode}>
          {payload.mode === "mock"
            ? "Mock mode: no store is connected, so simulated traffic keeps the dashboard moving. Connecting a store pauses it."
            : "Live mode: data comes from your connected stores; simulated traffic is paused."}
        </div>
      ) : null}
      {!isAdmin ? <div className="notice" data-testid="stores-readonly">Only an admin can connect or disconnect stores.</div> : null}
      {failure ? <ErrorBox error={failure} testId="store-toggle-error" /> : null}
      {fetched.error && !payload ? <ErrorBox error={fetched.error} onRetry={fetched.reload} /> : null}
      {!payload && fetched.loading ? <Loading label="Loading stores…" /> : null}
      {payload && payload.stores.length === 0 ? <Empty testId="stores-empty">No marketplaces are configured.</Empty> : null}
      {payload ? (
        <div className="store-grid">
          {payload.stores.map((s) => (
            <div className={`panel store ${s.connected ? "store-on" : ""}`} key={s.marketplace} data-testid={`store-card-${s.marketplace}`}>
              <div className="store-head">
                <span className={`mp mp-${s.marketplace} mp-big`}>{s.display_name}</span>
                <span className={`pill ${s.connected ? "pill-on" : ""}`} data-testid={`store-status-${s.marketplace}`} data-connected={s.connected}>
                  {s.connected ? "Connected" : "Not connected"}
                </span>
              </div>
              <div className="muted small">
                {s.connected && s.connected_at ? <span title={istDateTime(s.connected_at)}>Connected {ago(s.connected_at)}</span> : "Webhooks from this marketplace are ignored until it is connected."}
              </div>
              {isAdmin ? (
                <button
                  type="button"
                  className={`btn ${s.connected ? "" : "btn-primary"}`}
                  disabled={busy === s.marketplace}
                  onClick={() => void toggle(s.marketplace, !s.connected)}
                  data-testid={`store-toggle-${s.marketplace}`}
                >
                  {busy === s.marketplace ? "Working…" : s.connected ? "Disconnect" : "Connect"}
                </button>
              ) : null}
            </div>
          ))}
        </div>
      ) : null}
    </div>
  );
}
