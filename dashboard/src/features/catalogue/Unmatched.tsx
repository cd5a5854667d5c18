import { useEffect, useRef, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { api } from "../../api/client";
import type { UnmatchedItem } from "../../api/types";
import { MarketplaceTag } from "../../ui/Badges";
import { Empty, ErrorBox, Loading } from "../../ui/Status";
import { emptyDraft, fieldOf, listingBody, type FieldErrors, type ListingDraft, type ListingField } from "./catalogueForm";
import { ago, inr, int, istDateTime } from "../../lib/format";
import { useRole } from "../../lib/role";
import { useAction } from "../../lib/useAction";
import { useApi } from "../../lib/useApi";
import { useLive } from "../../live/LiveProvider";

const FIELDS: { key: ListingField; label: string; hint?: string; inputMode?: "decimal" | "numeric" | "text"; required?: boolean }[] = [
  { key: "title", label: "Title", required: true },
  { key: "category", label: "Category", required: true, hint: "e.g. Ethnic wear" },
  { key: "price", label: "Listing price (₹)", required: true, inputMode: "decimal" },
  { key: "stock", label: "Stock (units on hand)", required: true, inputMode: "numeric" },
  { key: "mrp", label: "MRP (₹, optional)", inputMode: "decimal", hint: "Default: the price" },
  { key: "brand", label: "Brand (optional)" },
  { key: "asin", label: "Amazon ASIN (optional)", hint: "Events received under it are merged into this item" },
];

function CompleteForm({ item, onDone, onCancel }: { item: UnmatchedItem; onDone: (title: string) => void; onCancel: () => void }) {
  const [draft, setDraft] = useState<ListingDraft>(() => emptyDraft(item.price ?? null));
  const [errors, setErrors] = useState<FieldErrors>({});
  const { busy, error: failure, run, reset } = useAction();
  const first = useRef<HTMLInputElement>(null);
  useEffect(() => first.current?.focus(), []);
  const id = (key: string) => `listing-${item.item_id}-${key}`.replace(/[^A-Za-z0-9_-]/g, "_");

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    reset();
    const built = listingBody(draft);
    setErrors(built.errors);
    if (!built.body) return;
    const body = built.body;
    await run(
      () => api.completeListing(item.item_id, body),
      () => onDone(body.title),
      // A 422 naming a field of the form is shown under that field, not in the box.
      (exc) => {
        const field = exc.status === 422 ? fieldOf(exc.field) : null;
        if (field) setErrors({ [field]: exc.message });
        return field !== null;
      },
    );
  };

  return (
    <form className="listing-form" onSubmit={submit} noValidate data-testid="listing-form" data-item-id={item.item_id} aria-label={`Catalogue details for ${item.item_id}`}>
      <div className="form-grid">
        {FIELDS.map((f, index) => {
          const error = errors[f.key];
          const help = [f.hint ? `${id(f.key)}-hint` : "", error ? `${id(f.key)}-error` : ""].filter(Boolean).join(" ");
          return (
            <div className={`field ${error ? "invalid" : ""}`} key={f.key}>
              <label htmlFor={id(f.key)}>{f.label}</label>
              <input
                id={id(f.key)}
                ref={index === 0 ? first : undefined}
                value={draft[f.key]}
                inputMode={f.inputMode}
                required={f.required}
                aria-invalid={error ? true : undefined}
                aria-describedby={help || undefined}
                onChange={(e) => setDraft({ ...draft, [f.key]: e.target.value })}
                data-testid={`listing-${f.key}`}
              />
              {f.hint ? <span className="field-hint" id={`${id(f.key)}-hint`}>{f.hint}</span> : null}
              {error ? <span className="field-error" id={`${id(f.key)}-error`} data-testid={`listing-error-${f.key}`}>{error}</span> : null}
            </div>
          );
        })}
      </div>
      {item.last_order_price ? (
        <p className="small muted">The last order was at {inr(item.last_order_price)} a unit: that is what a buyer paid, not necessarily your listing price.</p>
      ) : null}
      {failure ? <ErrorBox error={failure} testId="listing-form-error" /> : null}
      <div className="actions">
        <button type="submit" className="btn btn-primary" disabled={busy} data-testid="listing-submit">{busy ? "Saving…" : "Save and rank"}</button>
        <button type="button" className="btn" onClick={onCancel} data-testid="listing-cancel">Cancel</button>
      </div>
    </form>
  );
}

export function UnmatchedPage() {
  const { isAdmin } = useRole();
  const [params, setParams] = useSearchParams();
  const connects = useLive((s) => s.connects);
  const fetched = useApi((signal) => api.unmatched(signal), [], { refreshOn: [connects] });
  const lastEvent = useLive((s) => s.events[0]);
  const [saved, setSaved] = useState<{ id: string; title: string } | null>(null);
  const [hidden, setHidden] = useState<Set<string>>(new Set());
  const open = params.get("item");

  const { reload } = fetched;
  // A new unknown listing appears when its first event arrives: refetch at most every 5 s.
  const known = useRef(new Set<string>());
  const lastReload = useRef(0);
  useEffect(() => {
    const data = fetched.data;
    if (data) known.current = new Set(data.items.map((i) => i.item_id));
  }, [fetched.data]);
  useEffect(() => {
    if (!lastEvent || known.current.has(lastEvent.item_id) || lastEvent.title) return;
    if (Date.now() - lastReload.current < 5000) return;
    lastReload.current = Date.now();
    reload();
  }, [lastEvent, reload]);

  const setOpen = (id: string | null) => {
    const next = new URLSearchParams(params);
    if (id) next.set("item", id);
    else next.delete("item");
    setParams(next, { replace: true });
  };

  const items = (fetched.data?.items ?? []).filter((i) => !hidden.has(i.item_id));

  return (
    <div className="page" data-testid="page-unmatched">
      <div className="page-head">
        <h1>Unmatched listings</h1>
        <button type="button" className="btn" onClick={reload} data-testid="unmatched-refresh">Refresh</button>
      </div>
      <p className="lead">
        Orders and traffic arrived for these listings, but your catalogue does not know them yet. Their orders and revenue
        already count in the KPIs; once their details are complete they are ranked too.
      </p>
      {!isAdmin ? <div className="notice" data-testid="unmatched-readonly">Only an admin can complete catalogue details.</div> : null}
      {saved ? (
        <div className="notice notice-live" role="status" data-testid="listing-saved">
          Saved: {saved.title} is in the catalogue and will be ranked. <Link to={`/item/${encodeURIComponent(saved.id)}`}>Open it</Link>
        </div>
      ) : null}
      {fetched.error ? <ErrorBox error={fetched.error} onRetry={reload} /> : null}
      {!fetched.data && fetched.loading ? <Loading label="Loading unmatched listings…" /> : null}
      {fetched.data && items.length === 0 ? <Empty testId="unmatched-empty">Every listing that sent events is in your catalogue.</Empty> : null}
      {items.length > 0 ? (
        <ul className="unmatched-list" data-testid="unmatched-list">
          {items.map((item) => {
            const editing = isAdmin && open === item.item_id;
            return (
              <li key={item.item_id} className="panel unmatched" data-testid="unmatched-row" data-item-id={item.item_id}>
                <div className="unmatched-head">
                  <div>
                    <h2 className="unmatched-id"><Link to={`/item/${encodeURIComponent(item.item_id)}`}>{item.item_id}</Link></h2>
                    <span className="muted small">
                      <MarketplaceTag name={item.marketplace} /> · first seen <span title={istDateTime(item.first_seen_at)}>{ago(item.first_seen_at)}</span> · last event{" "}
                      <span title={istDateTime(item.last_event_at)}>{ago(item.last_event_at)}</span>
                    </span>
                  </div>
                  {isAdmin && !editing ? (
                    <button type="button" className="btn btn-primary" onClick={() => setOpen(item.item_id)} data-testid="unmatched-complete">
                      Complete details
                    </button>
                  ) : null}
                </div>
                <dl className="facts">
                  <div><dt>Last order price</dt><dd data-testid="unmatched-last-order-price">{inr(item.last_order_price)}</dd></div>
                  <div><dt>Orders</dt><dd>{int(item.totals?.orders ?? 0)}</dd></div>
                  <div><dt>Units</dt><dd>{int(item.totals?.units ?? 0)}</dd></div>
                  <div><dt>Revenue</dt><dd>{inr(item.totals?.revenue ?? 0)}</dd></div>
                </dl>
                {editing ? (
                  <CompleteForm
                    item={item}
                    onCancel={() => setOpen(null)}
                    onDone={(title) => {
                      setSaved({ id: item.item_id, title });
                      setHidden((h) => new Set(h).add(item.item_id));
                      setOpen(null);
                      reload();
                    }}
                  />
                ) : null}
              </li>
            );
          })}
        </ul>
      ) : null}
    </div>
  );
}
