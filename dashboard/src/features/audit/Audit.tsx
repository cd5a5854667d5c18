import { useEffect, useMemo, useState } from "react";
import { Link } from "react-router";
import { api } from "../../api/client";
import type { AuditEntry, AuditPage } from "../../api/types";
import { Empty, ErrorBox, Loading } from "../../ui/Status";
import { istDateTime } from "../../lib/format";
import { useAction } from "../../lib/useAction";
import { useApi, useDebounced } from "../../lib/useApi";
import { Table } from "../../ui/Table";

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
        <Table
          testId="audit-table"
          caption="Changes and orders, newest first"
          rows={entries}
          rowKey={(entry) => entry.id}
          rowTestId="audit-row"
          rowAttrs={(entry) => ({ "data-action": entry.action })}
          columns={[
            { key: "at", header: "When (IST)", label: "When", className: "nowrap small", cell: (entry) => istDateTime(entry.at) },
            { key: "action", header: "Action", cell: (entry) => <code>{entry.action}</code> },
            { key: "actor", header: "Actor", className: "small", cell: (entry) => entry.actor },
            {
              key: "item",
              header: "Item",
              className: (entry) => (entry.item_id ? "" : "empty-cell"),
              cell: (entry) => (entry.item_id ? <Link to={`/item/${encodeURIComponent(entry.item_id)}`}>{entry.item_id}</Link> : ""),
            },
            { key: "change", header: "Change", className: "change", cell: (entry) => <Change entry={entry} /> },
          ]}
        />
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
