import { useEffect, useState } from "react";
import { api } from "../../api/client";
import type { RotatedSecret, Store, StoresPayload } from "../../api/types";
import { WarnIcon } from "../../ui/Badges";
import { CopyButton } from "../../ui/CopyButton";
import { DemoPanel } from "../demo/DemoPanel";
import { AmazonPanel } from "./AmazonPanel";
import { Empty, ErrorBox, Loading } from "../../ui/Status";
import { ago, int, istDateTime } from "../../lib/format";
import { useRole } from "../../lib/role";
import { graceLeft, minuteToIso, perMinute, reasonText, rejectedTotal } from "./stores";
import { useAction } from "../../lib/useAction";
import { useApi } from "../../lib/useApi";
import { useLive, useLiveStore } from "../../live/LiveProvider";
import { applyMessage } from "../../live/state";

/** A live "stores" message may not carry the webhook URL (the host's address): keep the fetched one. */
function withUrls(incoming: StoresPayload, known: StoresPayload | null): StoresPayload {
  if (!known) return incoming;
  return {
    ...incoming,
    stores: incoming.stores.map((s) => {
      const before = known.stores.find((k) => k.marketplace === s.marketplace);
      return { ...before, ...s, webhook_url: s.webhook_url ?? before?.webhook_url };
    }),
  };
}

function statusOf(s: Store): { text: string; detail: string } {
  if (s.receiving) return { text: "Receiving", detail: "Signed events arrived in the last 2 minutes." };
  if (s.manual) return { text: "Connected by hand", detail: "Switched on by hand (demo): no signed events in the last 2 minutes." };
  return { text: "Not receiving", detail: "No signed events in the last 2 minutes." };
}

function RotateSecret({ store, onRotated }: { store: Store; onRotated: () => void }) {
  const [confirming, setConfirming] = useState(false);
  // The new secret lives only in this component's state: shown once, never stored or logged.
  const [result, setResult] = useState<RotatedSecret | null>(null);
  const { busy, error: failure, run } = useAction();
  const step = busy ? "busy" : confirming ? "confirm" : "idle";
  const mp = store.marketplace;

  const rotate = () => {
    setConfirming(false);
    return run(
      () => api.rotateSecret(mp),
      (rotated) => {
        setResult(rotated);
        onRotated();
      },
    );
  };

  if (result) {
    return (
      <div className="secret-once" role="status" data-testid={`secret-new-${mp}`}>
        <strong>New {store.display_name} webhook secret</strong>
        <p className="small">Shown once: copy it into {store.display_name}'s webhook settings now. ReSight will not show it again.</p>
        <div className="command">
          <code className="secret" data-testid={`secret-value-${mp}`}>{result.secret}</code>
          <CopyButton text={result.secret} label="Copy secret" testId={`secret-copy-${mp}`} />
        </div>
        <p className="small" data-testid={`secret-grace-${mp}`}>
          The previous secret keeps working until {istDateTime(result.previous_valid_until)}; after that only the new one is accepted.
        </p>
        <button type="button" className="btn" onClick={() => setResult(null)} data-testid={`secret-done-${mp}`}>
          I have copied it
        </button>
      </div>
    );
  }
  return (
    <div className="rotate">
      {failure ? <ErrorBox error={failure} testId={`secret-error-${mp}`} /> : null}
      {step === "confirm" ? (
        <div className="confirm" role="group" aria-label={`Rotate the ${store.display_name} secret`} data-testid={`secret-confirm-box-${mp}`}>
          <p className="small">
            Rotate the {store.display_name} webhook secret? A new secret is made; the current one keeps working for 24 hours
            so you can switch {store.display_name} over without losing deliveries.
          </p>
          <div className="actions">
            <button type="button" className="btn btn-danger" onClick={() => void rotate()} data-testid={`secret-confirm-${mp}`}>Rotate now</button>
            <button type="button" className="btn" onClick={() => setConfirming(false)} data-testid={`secret-cancel-${mp}`}>Cancel</button>
          </div>
        </div>
      ) : (
        <button type="button" className="btn" disabled={step === "busy"} onClick={() => setConfirming(true)} data-testid={`secret-rotate-${mp}`}>
          {step === "busy" ? "Rotating…" : "Rotate secret"}
        </button>
      )}
    </div>
  );
}

function StoreCard({ s, isAdmin, busy, onToggle, onRotated }: { s: Store; isAdmin: boolean; busy: boolean; onToggle: () => void; onRotated: () => void }) {
  const status = statusOf(s);
  const rejected = rejectedTotal(s.rejected, s.rejected_24h);
  const mp = s.marketplace;
  return (
    <section className={`panel store ${s.connected ? "store-on" : ""}`} data-testid={`store-card-${mp}`} aria-labelledby={`store-name-${mp}`}>
      <div className="store-head">
        <h2 className={`mp mp-${mp} mp-big`} id={`store-name-${mp}`}>{s.display_name}</h2>
        <span className={`pill ${s.connected ? "pill-on" : ""}`} data-testid={`store-status-${mp}`} data-connected={s.connected} data-receiving={!!s.receiving} title={status.detail}>
          {status.text}
        </span>
      </div>
      <div className="field">
        <label htmlFor={`webhook-url-${mp}`}>Webhook URL</label>
        <div className="command">
          <input id={`webhook-url-${mp}`} className="url" readOnly value={s.webhook_url ?? s.webhook_path ?? ""} onFocus={(e) => e.currentTarget.select()} data-testid={`store-webhook-url-${mp}`} />
          <CopyButton text={s.webhook_url ?? ""} label="Copy URL" testId={`store-webhook-copy-${mp}`} />
        </div>
        <span className="field-hint">Add <code>?code=</code> and the function key when you register it with {s.display_name}.</span>
      </div>
      <dl className="facts">
        <div>
          <dt>Last event received</dt>
          <dd data-testid={`store-last-event-${mp}`}>
            {s.last_event_at ? <span title={istDateTime(s.last_event_at)}>{ago(s.last_event_at)}</span> : "Never"}
          </dd>
        </div>
        <div>
          <dt>Events per minute</dt>
          <dd data-testid={`store-rate-${mp}`} title="Average over the last 5 minutes">{perMinute(s.events_per_minute)}</dd>
        </div>
        <div>
          <dt>Rejected, 24 h</dt>
          <dd data-testid={`store-rejected-total-${mp}`} className={rejected > 0 ? "warn-text" : ""}>
            {rejected > 0 ? <WarnIcon /> : null}
            {int(rejected)}
          </dd>
        </div>
      </dl>
      {s.rejected && s.rejected.length > 0 ? (
        <div>
          <h3 className="small-head">Why deliveries were refused</h3>
          <ul className="reasons" data-testid={`store-rejected-${mp}`}>
            {s.rejected.map((r) => (
              <li key={r.reason} data-testid="rejected-reason" data-reason={r.reason}>
                <span>{reasonText(r.reason)}</span>
                <span className="muted small">
                  {int(r.count)}× · last {r.last_minute ? <span title={istDateTime(minuteToIso(r.last_minute))}>{ago(minuteToIso(r.last_minute))}</span> : "—"}
                </span>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <div className="small muted" data-testid={`store-secret-${mp}`}>
        {s.secret_rotated_at ? <>Secret rotated <span title={istDateTime(s.secret_rotated_at)}>{ago(s.secret_rotated_at)}</span>.</> : "Secret: the configured one, never rotated."}
        {graceLeft(s.previous_secret_valid_until) ? <> The previous secret works until {istDateTime(s.previous_secret_valid_until)}.</> : null}
      </div>
      {isAdmin ? (
        <div className="actions store-actions">
          <button type="button" className={`btn ${s.manual ? "" : "btn-primary"}`} disabled={busy} onClick={onToggle} data-testid={`store-toggle-${mp}`} aria-pressed={!!s.manual}>
            {busy ? "Working…" : s.manual ? "Disconnect (manual switch)" : "Connect by hand"}
          </button>
          <RotateSecret store={s} onRotated={onRotated} />
        </div>
      ) : null}
    </section>
  );
}

export function StoresPage() {
  const { isAdmin } = useRole();
  const live = useLive((s) => s.stores);
  const connects = useLive((s) => s.connects);
  // Last event, rate and rejections move on their own: look again every 15 s while visible, and
  // after a reconnection.
  const fetched = useApi((signal) => api.stores(signal), [], { every: 15_000, refreshOn: [connects] });
  const store = useLiveStore();
  const [switching, setSwitching] = useState<string | null>(null);
  const { busy: toggling, error: failure, run } = useAction();
  const busy = toggling ? switching : null;
  const [payload, setPayload] = useState<StoresPayload | null>(null);

  const { reload } = fetched;
  useEffect(() => {
    if (fetched.data) setPayload(fetched.data);
  }, [fetched.data]);
  useEffect(() => {
    if (live) setPayload((known) => withUrls(live, known));
  }, [live]);

  const toggle = (s: Store) => {
    setSwitching(s.marketplace);
    return run(
      () => api.setStore(s.marketplace, !s.manual),
      (updated) => {
        // The header's indicator reads the same payload, so it flips at once too.
        store.update((state) => applyMessage(state, "stores", updated));
        setPayload((known) => withUrls(updated, known));
      },
    );
  };

  return (
    <div className="page" data-testid="page-stores">
      <div className="page-head"><h1>Stores</h1></div>
      {payload ? (
        <div className={`notice notice-${payload.mode}`} data-testid="stores-mode" data-mode={payload.mode}>
          {payload.mode === "mock"
            ? "No marketplace has sent signed events in the last 2 minutes. Whether the pages show your data or a demo's is said under Demo data below."
            : "Live: your marketplaces are sending signed events. The automatic demo ends with your first real data and does not come back; a presenter can start one below, in a dataset of its own."}
        </div>
      ) : null}
      <DemoPanel isAdmin={isAdmin} />
      {!isAdmin ? <div className="notice" data-testid="stores-readonly">Only an admin can switch stores by hand or rotate secrets.</div> : null}
      {failure ? <ErrorBox error={failure} testId="store-toggle-error" /> : null}
      {fetched.error && !payload ? <ErrorBox error={fetched.error} onRetry={fetched.reload} /> : null}
      {!payload && fetched.loading ? <Loading label="Loading stores…" /> : null}
      {payload && payload.stores.length === 0 ? <Empty testId="stores-empty">No marketplaces are configured.</Empty> : null}
      {payload ? (
        <div className="store-grid">
          {payload.stores.map((s) => (
            <StoreCard key={s.marketplace} s={s} isAdmin={isAdmin} busy={busy === s.marketplace} onToggle={() => void toggle(s)} onRotated={reload} />
          ))}
        </div>
      ) : null}
      {payload ? <AmazonPanel webhookUrl={payload.stores.find((s) => s.marketplace === "amazon")?.webhook_url ?? undefined} isAdmin={isAdmin} /> : null}
    </div>
  );
}
