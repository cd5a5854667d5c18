import { Link } from "react-router";
import { api } from "../../api/client";
import { WarnIcon } from "../../ui/Badges";
import { CopyButton } from "../../ui/CopyButton";
import { Empty, ErrorBox, Loading } from "../../ui/Status";
import { ago, int, istDateTime } from "../../lib/format";
import { useApi } from "../../lib/useApi";
import { Table } from "../../ui/Table";

export const REPLAY_COMMAND = "python -m shared.projection.dead_letters replay";

export function DeadLettersPage() {
  const fetched = useApi((signal) => api.deadLetters(signal), []);
  const data = fetched.data;
  return (
    <div className="page" data-testid="page-deadletters">
      <div className="page-head">
        <h1>Dead letters</h1>
        <button type="button" className="btn" onClick={fetched.reload} data-testid="deadletters-refresh">Refresh</button>
      </div>
      <p className="lead">
        When an item's events fail to update its stock and counters three times in a row, they are set aside here with the
        error, so that every other item keeps flowing. Nothing is lost: the events stay in the log.
      </p>
      {fetched.error ? <ErrorBox error={fetched.error} onRetry={fetched.reload} /> : null}
      {!data && fetched.loading ? <Loading label="Loading dead letters…" /> : null}
      {data ? (
        <div className={`notice ${data.count > 0 ? "notice-warn" : ""}`} data-testid="deadletters-count" data-count={data.count}>
          {data.count > 0 ? <WarnIcon /> : null}
          {data.count === 0 ? "No dead letters: every event has been projected." : `${int(data.count)} ${data.count === 1 ? "item has" : "items have"} events waiting for a replay.`}
        </div>
      ) : null}
      <section className="panel" data-testid="deadletters-replay">
        <div className="panel-head"><h2>Replaying them (for the operator)</h2></div>
        <ol className="steps">
          <li>Read the error of each item below and fix its cause (a code fix is deployed, a bad document corrected).</li>
          <li>
            From the app's folder, with the same settings as the Function App, run:
            <div className="command">
              <code data-testid="deadletters-command">{REPLAY_COMMAND}</code>
              <CopyButton text={REPLAY_COMMAND} label="Copy the command" testId="deadletters-command-copy" />
            </div>
            Add <code>--item ID</code> (repeatable) to replay only some items; <code>python -m shared.projection.dead_letters list</code> lists them.
          </li>
          <li>
            Each item is rebuilt from its whole event log, and its dead letter is removed when that works. An item that
            still fails keeps its letter with the new error, and the command exits with status 1.
          </li>
        </ol>
      </section>
      {data && data.items.length === 0 ? <Empty testId="deadletters-empty">Nothing to replay.</Empty> : null}
      {data && data.items.length > 0 ? (
        <Table
          testId="deadletters-table"
          caption="Items whose events could not be projected, newest failure first"
          rows={data.items}
          rowKey={(row) => row.item_id}
          rowTestId="deadletter-row"
          rowAttrs={(row) => ({ "data-item-id": row.item_id })}
          columns={[
            { key: "item", header: "Item", rowHeader: true, cell: (row) => <Link to={`/item/${encodeURIComponent(row.item_id)}`}>{row.item_id}</Link> },
            { key: "events", header: "Events", num: true, cell: (row) => int(row.events) },
            { key: "tries", header: "Tries", num: true, cell: (row) => int(row.attempts) },
            { key: "error", header: "Error", cell: (row) => <code className="error-text">{row.error}</code> },
            { key: "first", header: "First failed", cell: (row) => <span title={istDateTime(row.first_failed_at)}>{ago(row.first_failed_at)}</span> },
            { key: "last", header: "Last failed", cell: (row) => <span title={istDateTime(row.last_failed_at)}>{ago(row.last_failed_at)}</span> },
          ]}
        />
      ) : null}
    </div>
  );
}
