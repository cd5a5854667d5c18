import { useMemo, useRef, useState, type FormEvent } from "react";
import { Link } from "react-router";
import { analytics, type Cell, type GoldTable, type QueryAnswer } from "./api";
import type { ApiError } from "../../api/client";
import { BarChart } from "./BarChart";
import { LineChart } from "../../ui/LineChart";
import { Empty, ErrorBox, Loading } from "../../ui/Status";
import { cellText, lakeIsEmpty, queryProblem, resultChart } from "./analytics";
import { useAction } from "../../lib/useAction";
import { useApi } from "../../lib/useApi";
import { Table } from "../../ui/Table";
import "./analytics.css";

/** A refusal from the guard (or any failed query) in plain words, with the reason as given. */
function Problem({ error, testId }: { error: ApiError; testId: string }) {
  const { title, message } = queryProblem(error);
  return (
    <div className="refusal" role="alert" data-testid={testId} data-code={error.code ?? ""}>
      <strong>{title}</strong>
      <p data-testid={`${testId}-message`}>{message}</p>
    </div>
  );
}

function ResultChart({ answer, testId }: { answer: QueryAnswer; testId: string }) {
  const chart = useMemo(() => resultChart(answer.columns, answer.rows, answer.chart), [answer]);
  const series = useMemo(() => (chart?.kind === "line" ? [{ label: chart.value, color: "#0f5ef7", values: chart.values, fill: true }] : []), [chart]);
  if (!chart) return null;
  if (chart.kind === "line") return <LineChart x={chart.x} series={series} time testId={`${testId}-line`} ariaLabel={`${chart.value} by ${chart.label}`} />;
  return <BarChart bars={chart.bars} format={(v) => v.toLocaleString("en-IN", { maximumFractionDigits: 2 })} title={`${chart.value} by ${chart.label}`} testId={`${testId}-bars`} limit={30} />;
}

/** What a query returned: the SQL as run (with its LIMIT), a chart when one fits, every row. */
function QueryResult({ answer, testId }: { answer: QueryAnswer; testId: string }) {
  return (
    <section className="query-result" data-testid={testId} aria-label="Result">
      <h3 className="sub-head">SQL as run</h3>
      <pre className="sql-shown" data-testid={`${testId}-sql`}>{answer.sql}</pre>
      <p className="muted small" data-testid={`${testId}-count`} data-rows={answer.rows.length}>
        {answer.rows.length === 1 ? "1 row" : `${answer.rows.length.toLocaleString("en-IN")} rows`}
        {answer.truncated ? " (the first ones: the row limit was reached)" : ""}
      </p>
      <ResultChart answer={answer} testId={testId} />
      {answer.rows.length > 0 ? (
        <Table
          wrapClassName="table-wrap result-table-wrap"
          className="compact"
          caption="Query result"
          testId={`${testId}-table`}
          rows={answer.rows}
          rowKey={(_, r) => r}
          rowTestId={`${testId}-row`}
          columns={answer.columns.map((c, i) => ({
            key: String(i),
            header: c,
            className: (row: Cell[]) => (typeof row[i] === "number" ? "num" : ""),
            cell: (row: Cell[]) => cellText(row[i]),
          }))}
        />
      ) : null}
    </section>
  );
}

/** Run a query call and keep its answer or its failure; a new run clears the last one. */
function useQuery() {
  const [answer, setAnswer] = useState<QueryAnswer | null>(null);
  const action = useAction();
  const run = (call: () => Promise<QueryAnswer>) => {
    setAnswer(null);
    return action.run(call, setAnswer);
  };
  return { answer, error: action.error, busy: action.busy, run };
}

function AskPanel({ onEdit }: { onEdit: (sql: string) => void }) {
  const [question, setQuestion] = useState("");
  const q = useQuery();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (question.trim().length < 3) return;
    void q.run(() => analytics.ask(question.trim()));
  };
  return (
    <section className="panel" aria-labelledby="ask-head" data-testid="ask-panel">
      <div className="panel-head"><h2 id="ask-head">Ask in words</h2></div>
      <form className="analyst-form" onSubmit={submit}>
        <label className="field" htmlFor="ask-question">Your question</label>
        <input id="ask-question" type="text" value={question} onChange={(e) => setQuestion(e.target.value)} placeholder="e.g. Which states had the most RTO last month?" maxLength={2000} data-testid="ask-question" />
        <div className="actions">
          <button type="submit" className="btn btn-primary" disabled={q.busy || question.trim().length < 3} data-testid="ask-submit">
            {q.busy ? "Asking…" : "Ask"}
          </button>
          <span className="muted small">The model writes one SQL query; it runs under the same guard as the console.</span>
        </div>
      </form>
      {q.busy ? <Loading label="Writing and running the query…" /> : null}
      {q.error ? <Problem error={q.error} testId="ask-error" /> : null}
      {q.answer ? (
        <>
          <QueryResult answer={q.answer} testId="ask-result" />
          <button type="button" className="btn btn-small" onClick={() => onEdit(q.answer?.sql ?? "")} data-testid="ask-edit">Edit this SQL in the console</button>
        </>
      ) : null}
    </section>
  );
}

function Console({ sql, setSql, inputRef }: { sql: string; setSql: (s: string) => void; inputRef: React.RefObject<HTMLTextAreaElement | null> }) {
  const q = useQuery();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!sql.trim()) return;
    void q.run(() => analytics.sql(sql));
  };
  return (
    <section className="panel" aria-labelledby="console-head" data-testid="sql-console">
      <div className="panel-head"><h2 id="console-head">SQL console</h2></div>
      <form className="analyst-form" onSubmit={submit}>
        <label className="field" htmlFor="console-sql">One SELECT over the gold tables (a LIMIT is added when missing)</label>
        <textarea id="console-sql" ref={inputRef} value={sql} onChange={(e) => setSql(e.target.value)} spellCheck={false} maxLength={20000} data-testid="console-sql" />
        <div className="actions">
          <button type="submit" className="btn btn-primary" disabled={q.busy || !sql.trim()} data-testid="console-run">
            {q.busy ? "Running…" : "Run"}
          </button>
          <span className="muted small">Read only: writes, files, settings and other databases are refused.</span>
        </div>
      </form>
      {q.error ? <Problem error={q.error} testId="console-error" /> : null}
      {q.answer ? <QueryResult answer={q.answer} testId="console-result" /> : null}
    </section>
  );
}

function Schema({ tables }: { tables: GoldTable[] }) {
  return (
    <section className="panel" aria-labelledby="schema-head" data-testid="gold-schema">
      <div className="panel-head"><h2 id="schema-head">Gold tables</h2></div>
      <ul className="schema-list">
        {tables.map((t) => (
          <li key={t.table} data-testid="schema-table" data-table={t.table}>
            <details>
              <summary>{t.table}</summary>
              <ul>
                {t.columns.map((c) => (
                  <li key={c.name}>
                    <code>{c.name}</code>
                    <span className="muted">{c.type.toLowerCase()}</span>
                  </li>
                ))}
              </ul>
            </details>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function AnalystPage() {
  const schema = useApi((signal) => analytics.schema(signal), []);
  const [sql, setSql] = useState("");
  const editor = useRef<HTMLTextAreaElement>(null);
  const fill = (text: string) => {
    setSql(text);
    editor.current?.focus();
    editor.current?.scrollIntoView({ block: "nearest" });
  };

  let body;
  if (lakeIsEmpty(schema.error)) {
    body = <Empty testId="analyst-lake-empty">Nothing to query yet: the lake job has not published its first run. It runs every hour.</Empty>;
  } else if (schema.error) {
    body = <ErrorBox error={schema.error} onRetry={schema.reload} />;
  } else if (!schema.data) {
    body = <Loading label="Loading the gold schema…" />;
  } else {
    const data = schema.data;
    body = (
      <div className="analyst-layout">
        <div>
          {data.ask_enabled ? (
            <AskPanel onEdit={fill} />
          ) : (
            <p className="notice" data-testid="ask-disabled">
              Asking in words needs Azure OpenAI, which is not configured here. Write SQL in the console, or start from an example.
            </p>
          )}
          <Console sql={sql} setSql={setSql} inputRef={editor} />
        </div>
        <aside aria-label="Examples and schema">
          <section className="panel" aria-labelledby="examples-head">
            <div className="panel-head"><h2 id="examples-head">Examples</h2></div>
            <ul className="examples">
              {data.examples.map((ex, i) => (
                <li key={ex.question}>
                  <button type="button" className="btn" onClick={() => fill(ex.sql)} aria-describedby={`example-sql-${i}`} data-testid={`example-${i}`}>
                    {ex.question}
                  </button>
                  <code className="example-sql" id={`example-sql-${i}`}>{ex.sql}</code>
                </li>
              ))}
            </ul>
          </section>
          <Schema tables={data.tables} />
        </aside>
      </div>
    );
  }

  return (
    <div className="page" data-testid="page-analyst">
      <div className="page-head">
        <h1>Analyst</h1>
        <Link to="/analytics" className="small">The KPIs</Link>
      </div>
      <p className="lead muted">Questions over the lake's gold tables: amounts in INR, days in IST, revenue net of cancellations. Amazon orders carry no buyer, so customer columns are empty for them.</p>
      {body}
    </div>
  );
}

export default AnalystPage;
