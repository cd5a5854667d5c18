import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import { Link, useSearchParams } from "react-router";
import { api } from "../../api/client";
import type { Rule, RuleType } from "../../api/types";
import { Empty, ErrorBox, Loading } from "../../ui/Status";
import { istDateTime } from "../../lib/format";
import { useRole } from "../../lib/role";
import { tabKeyTarget } from "../../lib/tabs";
import { buildRule, needsItem, needsStrength, RULE_TYPES, type RuleDraft, type RuleErrors } from "./ruleForm";
import { useAction } from "../../lib/useAction";
import { useApi } from "../../lib/useApi";
import { useLive } from "../../live/LiveProvider";
import { Table } from "../../ui/Table";

const blank = (type: RuleType, itemId = ""): RuleDraft => ({ type, item_id: itemId, position: "1", strength: "0.3", valid_from: "", valid_to: "", note: "" });

function RuleForm({ onCreated }: { onCreated: (rule: Rule) => void }) {
  const [params] = useSearchParams();
  const [draft, setDraft] = useState<RuleDraft>(() => blank("pin", params.get("item") ?? ""));
  const [errors, setErrors] = useState<RuleErrors>({});
  const { busy, error: failure, run, reset } = useAction();
  const [done, setDone] = useState<string | null>(null);
  const tabs = useRef<(HTMLButtonElement | null)[]>([]);
  const choose = (type: RuleType) => {
    setDraft((current) => ({ ...current, type }));
    setErrors({});
  };
  // The ARIA tabs pattern: arrows move between the rule types (and select them), Home/End jump.
  const onTabKey = (e: KeyboardEvent<HTMLButtonElement>, index: number) => {
    const target = tabKeyTarget(e.key, index, RULE_TYPES.length);
    if (target === null) return;
    e.preventDefault();
    choose(RULE_TYPES[target].type);
    tabs.current[target]?.focus();
  };
  const set = (key: keyof RuleDraft) => (e: { target: { value: string } }) => setDraft({ ...draft, [key]: e.target.value });

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setDone(null);
    reset();
    const built = buildRule(draft);
    if ("errors" in built) {
      setErrors(built.errors);
      return;
    }
    setErrors({});
    await run(
      () => api.createRule(built.rule, built.window),
      (rule) => {
        onCreated(rule);
        setDone(`${RULE_TYPES.find((t) => t.type === rule.type)?.label ?? rule.type} rule created${rule.item_id ? ` for ${rule.item_id}` : ""}.`);
        setDraft(blank(draft.type));
      },
      // Shown in the box and, when the API names a field of the form, under that field too.
      (exc) => {
        if (exc.field && exc.field in draft) setErrors({ [exc.field]: exc.message });
      },
    );
  };

  const field = (key: keyof RuleDraft, label: string, input: React.ReactNode) => (
    <label className={`field ${errors[key] ? "invalid" : ""}`}>
      <span>{label}</span>
      {input}
      {errors[key] ? <span className="field-error" data-testid={`rule-error-${key}`}>{errors[key]}</span> : null}
    </label>
  );

  return (
    <form className="panel rule-form" onSubmit={submit} data-testid="rule-form" noValidate>
      <div className="panel-head"><h2>New rule</h2></div>
      <div className="segmented tabs" role="tablist" aria-label="Rule type">
        {RULE_TYPES.map((t, index) => {
          const selected = draft.type === t.type;
          return (
            <button
              key={t.type}
              ref={(el) => {
                tabs.current[index] = el;
              }}
              type="button"
              role="tab"
              id={`rule-tab-${t.type}`}
              aria-selected={selected}
              aria-controls="rule-panel"
              tabIndex={selected ? 0 : -1}
              className={selected ? "on" : ""}
              onClick={() => choose(t.type)}
              onKeyDown={(e) => onTabKey(e, index)}
              data-testid={`rule-type-${t.type}`}
            >
              {t.label}
            </button>
          );
        })}
      </div>
      <div role="tabpanel" id="rule-panel" aria-labelledby={`rule-tab-${draft.type}`} data-testid="rule-panel">
        <p className="muted small">{RULE_TYPES.find((t) => t.type === draft.type)?.help}</p>
        <div className="form-grid">
          {needsItem(draft.type) ? field("item_id", "Item id", <input value={draft.item_id} onChange={set("item_id")} placeholder="e.g. AMZ-000123" data-testid="rule-item-id" />) : null}
          {draft.type === "pin" ? field("position", "Position", <input type="number" min={1} step={1} value={draft.position} onChange={set("position")} data-testid="rule-position" />) : null}
          {needsStrength(draft.type)
            ? field("strength", `Strength (${draft.strength || "—"})`, (
                <span className="strength">
                  <input type="range" min={0.05} max={1} step={0.05} value={Number(draft.strength) || 0.05} onChange={set("strength")} aria-label="Strength slider" />
                  <input type="number" min={0} max={1} step={0.05} value={draft.strength} onChange={set("strength")} data-testid="rule-strength" />
                </span>
              ))
            : null}
          {field("valid_from", "Valid from (IST, optional)", <input type="datetime-local" value={draft.valid_from} onChange={set("valid_from")} data-testid="rule-valid-from" />)}
          {field("valid_to", "Valid to (IST, optional)", <input type="datetime-local" value={draft.valid_to} onChange={set("valid_to")} data-testid="rule-valid-to" />)}
          {field("note", "Note", <input value={draft.note} onChange={set("note")} placeholder="Why (shown in the audit log)" data-testid="rule-note" />)}
        </div>
      </div>
      {failure ? <ErrorBox error={failure} testId="rule-form-error" /> : null}
      {done ? <div className="ok" data-testid="rule-created">{done}</div> : null}
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={busy} data-testid="rule-submit">{busy ? "Creating…" : "Create rule"}</button>
      </div>
    </form>
  );
}

function ruleDetail(rule: Rule): string {
  if (rule.type === "pin") return `position ${rule.position}`;
  if (rule.strength !== undefined) return `strength ${rule.strength}`;
  return "";
}

export function RulesPage() {
  const { isAdmin } = useRole();
  const fetched = useApi((signal) => api.rules(signal), []);
  const liveRules = useLive((s) => s.rules);
  const rulesSeq = useLive((s) => s.rulesSeq);
  const [rules, setRules] = useState<Rule[] | null>(null);
  const [target, setTarget] = useState<string | null>(null);
  const { busy: removing, error: deleteError, run } = useAction();
  const deleting = removing ? target : null;
  const [confirming, setConfirming] = useState<string | null>(null);

  useEffect(() => {
    if (fetched.data) setRules(fetched.data.rules);
  }, [fetched.data]);
  useEffect(() => {
    if (rulesSeq > 0 && liveRules) setRules(liveRules);
  }, [rulesSeq, liveRules]);

  const remove = (rule: Rule) => {
    setConfirming(null);
    setTarget(rule.id);
    return run(
      () => api.deleteRule(rule.id),
      () => setRules((current) => current?.filter((r) => r.id !== rule.id) ?? null),
    );
  };

  const sorted = rules ? [...rules].sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at)) : null;

  return (
    <div className="page" data-testid="page-rules">
      <div className="page-head"><h1>Merchandising rules</h1></div>
      {isAdmin ? (
        <RuleForm onCreated={(rule) => setRules((current) => (current?.some((r) => r.id === rule.id) ? current : [rule, ...(current ?? [])]))} />
      ) : (
        <div className="notice" data-testid="rules-readonly">You can see the rules in force. Only an admin can create or delete them.</div>
      )}
      <div className="panel">
        <div className="panel-head"><h2>Rules</h2><span className="muted small">{sorted ? `${sorted.length} total, ${sorted.filter((r) => r.active).length} active` : ""}</span></div>
        {deleteError ? <ErrorBox error={deleteError} testId="rule-delete-error" /> : null}
        {fetched.error && !sorted ? <ErrorBox error={fetched.error} onRetry={fetched.reload} /> : null}
        {!sorted && fetched.loading ? <Loading label="Loading rules…" /> : null}
        {sorted && sorted.length === 0 ? <Empty testId="rules-empty">No rules yet: the ranking is the model's own order.</Empty> : null}
        {sorted && sorted.length > 0 ? (
          <Table
            wrapClassName={null}
            testId="rules-table"
            caption="Rules, newest first"
            rows={sorted}
            rowKey={(rule) => rule.id}
            rowTestId="rule-row"
            rowAttrs={(rule) => ({ "data-rule-id": rule.id, "data-rule-type": rule.type, "data-item-id": rule.item_id ?? "" })}
            columns={[
              { key: "type", header: "Type", cell: (rule) => <span className={`badge badge-${rule.type}`}>{rule.type}</span> },
              {
                key: "item",
                header: "Item",
                cell: (rule) => (rule.item_id ? <Link to={`/item/${encodeURIComponent(rule.item_id)}`}>{rule.item_id}</Link> : <span className="muted">all overstocked</span>),
              },
              { key: "setting", header: "Setting", className: (rule) => (ruleDetail(rule) ? "" : "empty-cell"), cell: (rule) => ruleDetail(rule) },
              {
                key: "valid",
                header: "Valid (IST)",
                label: "Valid",
                className: "small",
                cell: (rule) =>
                  rule.valid_from || rule.valid_to ? `${rule.valid_from ? istDateTime(rule.valid_from) : "now"} → ${rule.valid_to ? istDateTime(rule.valid_to) : "open"}` : <span className="muted">always</span>,
              },
              { key: "note", header: "Note", className: (rule) => `small ${rule.note ? "" : "empty-cell"}`, cell: (rule) => rule.note ?? "" },
              { key: "created", header: "Created", className: "small", cell: (rule) => <>{istDateTime(rule.created_at)}<div className="muted">{rule.created_by}</div></> },
              { key: "status", header: "Status", cell: (rule) => (rule.active ? <span className="pill pill-on">active</span> : <span className="pill">inactive</span>) },
              isAdmin && {
                key: "actions",
                header: <span className="visually-hidden">Actions</span>,
                label: "Actions",
                className: "actions-cell",
                cell: (rule) =>
                  confirming === rule.id ? (
                    <span className="confirm">
                      <button type="button" className="btn btn-danger" onClick={() => void remove(rule)} data-testid="rule-delete-confirm">Confirm</button>
                      <button type="button" className="btn" onClick={() => setConfirming(null)} data-testid="rule-delete-cancel">Keep</button>
                    </span>
                  ) : (
                    <button type="button" className="btn" disabled={deleting === rule.id} onClick={() => setConfirming(rule.id)} data-testid="rule-delete">
                      {deleting === rule.id ? "Deleting…" : "Delete"}
                    </button>
                  ),
              },
            ]}
          />
        ) : null}
      </div>
    </div>
  );
}
