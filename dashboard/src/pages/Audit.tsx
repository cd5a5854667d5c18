import { useEffect, useState } from "react";
import { Link } from "react-router";
import { api, ApiError } from "../api/client";
import type { AuditEntry } from "../api/types";
import { Empty, ErrorBox, Loading } from "../components/Status";
import { istDateTime } from "../lib/format";
import { useDebounced } from "../lib/useApi";

const PAGE = 50;

function brief(value: unknown): string {
  if (value === undefined || value === null) return "";
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
}

function Change({ entry }: { entry: AuditEntry }) {
  const parts = [entry.before !== undefined && entry.before !== null ? `before ${brief(entry.before)}` : "", entry.after !== undefined && entry.after !== null ? `after ${brief(entry.after)}` : "", brief(entry.details)].filter(Boolean);
  if (!parts.length) return null;
  return (
    <details>
      <summary className="small">{parts.join(" · ")}</summary>
      <pre className="json">{JSON.stringify({ before: entry.before, after: entry.after, details: entry.details }, null, 2)}</pre>
    </details>
  );
}

export function AuditPage() {
  const [action, setAction] = useState("");
  const [itemText, setItemText] = useState("");
  const itemId = useDebounced(itemText.trim(), 300);
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [continuation, setContinuation] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [nonce, setNonce] = useState(0);
  const [actions, setActions] = useState<string[]>([]);
  useEffect(() => {
    setActions((known) => {
      const all = new Set([...known, ...entries.map((e) => e.action)]);
      return all.size === known.length ? known : [...all].sort();
    });
  }, [entries]);

  // A filter change starts over from the newest entry.
  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    setError(null);
    api.audit({ limit: PAGE, action: action || undefined, item_id: itemId || undefined }, controller.signal).then(
      (page) => {
        setEntries(page.entries);
        setContinuation(page.continuation);
        setLoading(false);
        setLoaded(true);
      },
      (exc: unknown) => {
        if (controller.signal.aborted) return;
        if (exc instanceof ApiError) setError(exc);
        setLoading(false);
      },
    );
    return () => controller.abort();
  }, [action, itemId, nonce]);

  const more = async () => {
    if (!continuation) return;
    setLoading(true);
    setError(null);
    try {
      const page = await api.audit({ limit: PAGE, continuation, action: action || undefined, item_id: itemId || undefined });
      setEntries((current) => {
        const seen = new Set(current.map((e) => e.id));
        return [...current, ...page.entries.filter((e) => !seen.has(e.id))];
      });
      setContinuation(page.continuation);
    } catch (exc) {
      if (exc instanceof ApiError) setError(exc);
    } finally {
      setLoading(false);
    }
  };

  return (
    <div className="page" data-testid="page-audit">
      <div className="page-head">
        <h1>Audit log</h1>
        <button type="button" className="btn" onClick={() => setNonce((n) => n + 1)} data-testid="audit-refresh">Refresh</button>
      </div>
      <div className="toolbar">
        <input list="audit-actions" placeholder="Action" value={action} onChange={(e) => setAction(e.target.value.trim())} data-testid="audit-filter-action" aria-label="Action" />
        <datalist id="audit-actions">
          {actions.map((a) => <option key={a} value={a} />)}
        </datalist>
        <input type="search" placeholder="Item id" value={itemText} onChange={(e) => setItemText(e.target.value)} data-testid="audit-filter-item" aria-label="Item id" />
        <span className="spacer" />
        <span className="muted small">{loaded ? `${entries.length} shown, newest first` : ""}</span>
      </div>
      {error ? <ErrorBox error={error} onRetry={() => setNonce((n) => n + 1)} /> : null}
      {!loaded && loading ? <Loading label="Loading the audit log…" /> : null}
      {loaded && entries.length === 0 && !error ? <Empty testId="audit-empty">{action || itemId ? "No entries match these filters." : "Nothing has been changed yet."}</Empty> : null}
      {entries.length > 0 ? (
        <div className="table-wrap">
          <table className="table table-stack" data-testid="audit-table">
            <caption className="visually-hidden">Changes and orders, newest first</caption>
            <thead>
              <tr><th scope="col">When (IST)</th><th scope="col">Action</th><th scope="col">Actor</th><th scope="col">Item</th><th scope="col">Change</th></tr>
            </thead>
            <tbody>
              {entries.map((entry) => (
                <tr key={entry.id} data-testid="audit-row" data-action={entry.action}>
                  <td className="nowrap small" data-label="When">{istDateTime(entry.at)}</td>
                  <td data-label="Action"><code>{entry.action}</code></td>
                  <td className="small" data-label="Actor">{entry.actor}</td>
                  <td data-label="Item" className={entry.item_id ? "" : "empty-cell"}>{entry.item_id ? <Link to={`/item/${encodeURIComponent(entry.item_id)}`}>{entry.item_id}</Link> : ""}</td>
                  <td className="change" data-label="Change"><Change entry={entry} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {continuation ? (
        <div className="pager">
          <button type="button" className="btn" disabled={loading} onClick={() => void more()} data-testid="audit-more">
            {loading ? "Loading…" : "Older entries"}
          </button>
        </div>
      ) : null}
    </div>
  );
}
