import { useEffect, useMemo, useState } from "react";
import { Link } from "react-router";
import { api } from "../api/client";
import type { AuditEntry, AuditPage } from "../api/types";
import { Empty, ErrorBox, Loading } from "../components/Status";
import { istDateTime } from "../lib/format";
import { useAction } from "../lib/useAction";
import { useApi, useDebounced } from "../lib/useApi";

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
  // A filter change starts over from the newest entry; "Older entries" appends to that first page.
  const first = useApi((signal) => api.audit({ limit: PAGE, action: action || undefined, item_id: itemId || undefined }, signal), [action, itemId]);
  const [older, setOlder] = useState<{ after: AuditPage; entries: AuditEntry[]; continuation: string | null } | null>(null);
  const paging = useAction();
  const base = first.data;
  const extra = older && older.after === base ? older : null;
  const entries = useMemo(() => {
    if (!base) return [];
    const seen = new Set<string>();
    return [...base.entries, ...(extra?.entries ?? [])].filter((e) => !seen.has(e.id) && Boolean(seen.add(e.id)));
  }, [base, extra]);
  const continuation = extra ? extra.continuation : (base?.continuation ?? null);
  const loading = first.loading || paging.busy;
  const loaded = base !== null;
  const error = first.error ?? paging.error;
  const [actions, setActions] = useState<string[]>([]);
  useEffect(() => {
    setActions((known) => {
      const all = new Set([...known, ...entries.map((e) => e.action)]);
      return all.size === known.length ? known : [...all].sort();
    });
  }, [entries]);

  const more = async () => {
    if (!continuation || !base) return;
    await paging.run(
      () => api.audit({ limit: PAGE, continuation, action: action || undefined, item_id: itemId || undefined }),
      (page) => setOlder({ after: base, entries: [...(extra?.entries ?? []), ...page.entries], continuation: page.continuation }),
    );
  };

  return (
    <div className="page" data-testid="page-audit">
      <div className="page-head">
        <h1>Audit log</h1>
        <button type="button" className="btn" onClick={first.reload} data-testid="audit-refresh">Refresh</button>
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
      {error ? <ErrorBox error={error} onRetry={first.reload} /> : null}
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
