import { useCallback, useMemo, useState } from "react";
import { Link } from "react-router";
import { inventory, type Alert, type AlertsRun, type GraphMessage, type JobRun, type JobsPayload } from "../inventory/api";
import { DangerBadge } from "../inventory/DangerBadge";
import { WarnIcon } from "../../ui/Badges";
import { Empty, ErrorBox, Loading } from "../../ui/Status";
import { ALERT_TEXT, DELIVERY_TEXT, ROLE_TEXT, RUN_TEXT, alertsRunText, badgeOf, chatsOf, stepText, type Bubble } from "./alerts";
import { ago, inr, istDateTime, istTime } from "../../lib/format";
import { useRole } from "../../lib/role";
import { useAction } from "../../lib/useAction";
import { useApi, useEveryWhileVisible, type ApiState } from "../../lib/useApi";
import { Table } from "../../ui/Table";
import "../../ui/data.css";
import "../inventory/inventory.css";

const ALERTS_LIMIT = 100;
const REFRESH_MS = 5_000;

function Badge({ status, text, testId }: { status: string; text: string; testId?: string }) {
  const kind = badgeOf(status);
  return (
    <span className={`qbadge qbadge-${kind}`} data-testid={testId} data-status={status}>
      {kind === "critical" || kind === "warning" ? <WarnIcon /> : null}
      {text}
    </span>
  );
}

function RunAlerts({ onRan }: { onRan: () => void }) {
  const [send, setSend] = useState(true);
  const [result, setResult] = useState<AlertsRun | null>(null);
  const { busy, error, run: act } = useAction();
  const run = () =>
    act(
      () => inventory.runAlerts(send),
      (ran) => {
        setResult(ran);
        onRan();
      },
    );
  return (
    <section className="panel" aria-labelledby="run-alerts-title" data-testid="alerts-run-form">
      <div className="panel-head"><h2 id="run-alerts-title">Run alerts now</h2></div>
      <p className="small muted">Alerts go out for items that entered a danger level in today's count, once per item, store, level and day: running again sends nothing twice.</p>
      <div className="run-row">
        <label className="check">
          <input type="checkbox" checked={send} onChange={(e) => setSend(e.currentTarget.checked)} data-testid="alerts-send" />
          <span>
            Send WhatsApp messages
            <span className="block small muted">Unticked: a dry run that lists what would be alerted and writes nothing.</span>
          </span>
        </label>
        <button type="button" className="btn btn-primary" onClick={() => void run()} disabled={busy} data-testid="alerts-run">
          {busy ? "Running…" : send ? "Run and send" : "Dry run"}
        </button>
      </div>
      {result ? (
        <div role="status" data-testid="alerts-run-result" data-sent={result.sent ?? 0} data-created={result.created ?? 0}>
          <p className="ok">{alertsRunText(result)}</p>
          {result.would_alert?.length ? (
            <ul className="would-alert" data-testid="alerts-would">
              {result.would_alert.map((a) => (
                <li key={a.id}>
                  <DangerBadge level={a.level} /> {a.title || a.item_id} at {a.store_name || a.store_id}: {inr(a.capital)} to {a.deliveries.length} {a.deliveries.length === 1 ? "recipient" : "recipients"}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
      {error ? <ErrorBox error={error} testId="alerts-run-error" /> : null}
    </section>
  );
}

function RunJob({ today, onStarted }: { today: JobRun | undefined; onStarted: () => void }) {
  const { busy, error, run } = useAction();
  const rerun = today?.status === "succeeded" || today?.status === "failed";
  const running = today?.status === "running";
  const start = () => run(() => inventory.runDaily(rerun), onStarted);
  return (
    <>
      <button type="button" className="btn btn-primary" onClick={() => void start()} disabled={busy || running} data-testid="job-run">
        {running ? "Running…" : rerun ? "Run today's job again" : "Run the daily job now"}
      </button>
      {error ? <ErrorBox error={error} testId="job-run-error" /> : null}
    </>
  );
}

function Jobs({ state, isAdmin }: { state: ApiState<JobsPayload>; isAdmin: boolean }) {
  const runs = state.data?.runs ?? [];
  const schedule = state.data?.schedule;
  const active = runs.some((r) => r.status === "running" || r.status === "retrying");
  useEveryWhileVisible(state.reload, active ? 2_000 : 30_000);
  return (
    <section className="panel" aria-labelledby="jobs-title" data-testid="jobs">
      <div className="panel-head">
        <h2 id="jobs-title">The daily job</h2>
        {isAdmin ? <RunJob today={runs[0]} onStarted={state.reload} /> : null}
      </div>
      {schedule ? (
        <p className="small muted" data-testid="jobs-schedule">
          Runs every day after {String(schedule.run_hour_ist).padStart(2, "0")}:00 IST: {schedule.steps.join(", then ")}. A run that stops
          answering for {schedule.stale_seconds} s is taken over and resumed at its first unfinished step, at most {schedule.max_attempts} attempts.
        </p>
      ) : null}
      {state.error ? <ErrorBox error={state.error} onRetry={state.reload} /> : null}
      {!state.data && state.loading ? <Loading label="Loading runs…" /> : null}
      {state.data && runs.length === 0 ? <Empty testId="jobs-empty">No run yet.</Empty> : null}
      {runs.length > 0 ? (
        <ol className="runs" data-testid="job-runs">
          {runs.map((r) => (
            <li key={r.id} className="run" data-testid="job-run-row" data-run-id={r.id} data-status={r.status}>
              <div className="run-head">
                <strong>{r.day}</strong>
                <Badge status={r.status} text={RUN_TEXT[r.status] ?? r.status} testId="job-run-status" />
                <span className="small muted">
                  attempt {r.attempt} of {r.max_attempts} · started {istDateTime(r.started_at)}
                  {r.ended_at ? ` · ended ${istTime(r.ended_at)}` : ""}
                </span>
              </div>
              {r.error ? <p className="error-text small neg">{r.error}</p> : null}
              {r.retry_at ? <p className="small">Retries at {istDateTime(r.retry_at)}</p> : null}
              <ol className="steps-list">
                {r.steps.map((s) => (
                  <li key={s.name} data-testid="job-step" data-step={s.name} data-status={s.status}>
                    <Badge status={s.status} text={s.name} />
                    <span className="small">{stepText(s)}</span>
                  </li>
                ))}
              </ol>
            </li>
          ))}
        </ol>
      ) : null}
    </section>
  );
}

function AlertLog({ alerts }: { alerts: Alert[] }) {
  return (
    <Table
      className="compact"
      testId="alerts-table"
      caption="Alerts, newest first, with each recipient's delivery"
      rows={alerts}
      rowKey={(a) => a.id}
      rowTestId="alert-row"
      rowAttrs={(a) => ({ "data-alert-id": a.id, "data-item-id": a.item_id ?? "", "data-status": a.status })}
      columns={[
        {
          key: "alert",
          header: "Alert",
          rowHeader: true,
          className: "row-head",
          cell: (a) =>
            a.kind === "manual" ? (
              <>Message sent by hand</>
            ) : (
              <>
                <Link to={`/inventory/item/${encodeURIComponent(a.item_id ?? "")}`}>{a.title || a.item_id}</Link>
                <span className="block small muted">
                  at {a.store_name || a.store_id} · {inr(a.capital)}
                </span>
              </>
            ),
        },
        { key: "level", header: "Level", cell: (a) => (a.level ? <DangerBadge level={a.level} /> : "—") },
        { key: "when", header: "When", cell: (a) => <span title={istDateTime(a.created_at)}>{ago(a.created_at)}</span> },
        { key: "status", header: "Status", cell: (a) => <Badge status={a.status} text={ALERT_TEXT[a.status] ?? a.status} testId="alert-status" /> },
        {
          key: "deliveries",
          header: "Deliveries",
          cell: (a) => (
            <ul className="deliveries">
              {a.deliveries.map((d) => (
                <li key={d.phone} data-testid="alert-delivery" data-status={d.status} data-role={d.role}>
                  <span>
                    {ROLE_TEXT[d.role] ?? d.role}
                    {d.name ? ` ${d.name}` : ""} <span className="muted">{d.phone}</span>
                  </span>{" "}
                  <Badge status={d.status} text={DELIVERY_TEXT[d.status] ?? d.status} />
                  {d.delivery ? <span className="small muted" data-testid="alert-delivery-receipt"> · {d.delivery === "read" ? "read" : d.delivery === "delivered" ? "delivered to the phone" : "not delivered"}</span> : null}
                  {d.error_code ? <span className="block small neg">code {d.error_code}: {d.error}</span> : null}
                </li>
              ))}
            </ul>
          ),
        },
      ]}
    />
  );
}

function PhoneBubble({ b }: { b: Bubble }) {
  return (
    <li className="bubble" data-testid="phone-message" data-template={b.template ?? ""} data-kind={b.kind}>
      {b.image ? (
        <img className="bubble-image" src={b.image} alt="The product (the message's header image)" data-testid="phone-message-image" />
      ) : null}
      {b.imageFetched === false ? (
        <span className="small neg">
          <WarnIcon /> WhatsApp could not fetch this image
        </span>
      ) : null}
      <p className="bubble-text" data-testid="phone-message-text">{b.text}</p>
      <span className="bubble-meta">
        {b.template ? <span className="visually-hidden">Template {b.template}, </span> : null}
        {istTime(new Date(b.at * 1000).toISOString())}
      </span>
    </li>
  );
}

function Phones({ state }: { state: ApiState<{ messages: GraphMessage[] }> }) {
  const chats = useMemo(() => chatsOf(state.data?.messages ?? []), [state.data]);
  return (
    <section className="panel" aria-labelledby="phones-title" data-testid="phones">
      <div className="panel-head">
        <h2 id="phones-title">What the phones received</h2>
        <button type="button" className="btn btn-small" onClick={state.reload} data-testid="phones-refresh">Refresh</button>
      </div>
      {state.error?.status === 404 ? (
        <p className="notice" data-testid="phones-not-local">
          WhatsApp delivers the messages to the recipients' phones; only the local stack's fake WhatsApp API keeps a copy to show here.
        </p>
      ) : state.error ? (
        <ErrorBox error={state.error} onRetry={state.reload} />
      ) : null}
      {!state.data && state.loading ? <Loading label="Loading messages…" /> : null}
      {state.data && chats.length === 0 ? <Empty testId="phones-empty">No message sent yet.</Empty> : null}
      {chats.length > 0 ? (
        <p className="small muted">The local fake WhatsApp API's record: every message it accepted, as each recipient's phone shows it.</p>
      ) : null}
      <div className="phones">
        {chats.map((c) => (
          <section className="phone" key={c.to} aria-label={`Messages to ${c.to}`} data-testid="phone" data-to={c.to}>
            <header className="phone-top">
              <span className="phone-from">ReSight alerts</span>
              <span className="small">to {c.to}</span>
            </header>
            <ol className="chat">
              {c.bubbles.map((b) => (
                <PhoneBubble key={b.id} b={b} />
              ))}
            </ol>
          </section>
        ))}
      </div>
    </section>
  );
}

export function AlertsPage() {
  const { isAdmin } = useRole();
  const alerts = useApi((signal) => inventory.alerts(ALERTS_LIMIT, signal), [], { every: REFRESH_MS * 6 });
  const jobs = useApi((signal) => inventory.jobs(signal), []);
  const phones = useApi((signal) => inventory.phoneMessages(signal), [], { every: REFRESH_MS * 2 });
  const { reload: reloadAlerts } = alerts;
  const { reload: reloadJobs } = jobs;
  const { reload: reloadPhones } = phones;
  const refresh = useCallback(() => {
    reloadAlerts();
    reloadJobs();
    reloadPhones();
  }, [reloadAlerts, reloadJobs, reloadPhones]);
  const list = alerts.data?.alerts ?? [];
  return (
    <div className="page" data-testid="page-alerts">
      <div className="page-head">
        <h1>Alerts</h1>
        <button type="button" className="btn" onClick={refresh} data-testid="alerts-refresh">Refresh</button>
      </div>
      <p className="lead">
        WhatsApp alerts to the founders and each store's manager when an item enters a danger level, with the product's picture.
        See the stock at risk on the <Link to="/inventory">store danger page</Link>.
      </p>
      {isAdmin ? <RunAlerts onRan={refresh} /> : <p className="notice" data-testid="alerts-readonly">Running alerts and the daily job needs the admin role.</p>}
      <Phones state={phones} />
      <section aria-labelledby="alert-log-title">
        <div className="panel-head"><h2 id="alert-log-title">Alert log</h2></div>
        {alerts.error ? <ErrorBox error={alerts.error} onRetry={alerts.reload} /> : null}
        {!alerts.data && alerts.loading ? <Loading label="Loading alerts…" /> : null}
        {alerts.data && list.length === 0 ? <Empty testId="alerts-empty">No alert yet.</Empty> : null}
        {list.length > 0 ? <AlertLog alerts={list} /> : null}
      </section>
      <Jobs state={jobs} isAdmin={isAdmin} />
    </div>
  );
}
