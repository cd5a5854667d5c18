import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { Table } from "./Table";

interface Row {
  id: string;
  n: number;
}

const rows: Row[] = [{ id: "a", n: 1 }, { id: "b", n: 2 }];

describe("Table", () => {
  it("draws a captioned table with scoped headers, a row header, named cells and a test id per row", () => {
    const html = renderToStaticMarkup(
      <Table
        className="compact"
        testId="things"
        caption="Things"
        rows={rows}
        rowKey={(r) => r.id}
        rowTestId="thing-row"
        rowAttrs={(r) => ({ "data-id": r.id })}
        columns={[
          { key: "id", header: "Id", rowHeader: true, cell: (r) => r.id },
          { key: "n", header: "Count", num: true, attrs: (r) => ({ "data-value": r.n }), cell: (r) => r.n },
          false,
        ]}
      />,
    );
    expect(html).toBe(
      '<div class="table-wrap"><table class="table table-stack compact" data-testid="things">' +
        '<caption class="visually-hidden">Things</caption>' +
        '<thead><tr><th scope="col">Id</th><th scope="col" class="num">Count</th></tr></thead><tbody>' +
        '<tr data-testid="thing-row" data-id="a"><th scope="row" class="card-title">a</th><td class="num" data-label="Count" data-value="1">1</td></tr>' +
        '<tr data-testid="thing-row" data-id="b"><th scope="row" class="card-title">b</th><td class="num" data-label="Count" data-value="2">2</td></tr>' +
        "</tbody></table></div>",
    );
  });

  it("leaves the wrapper out, names a cell by its label and, when rows do not stack, no card title", () => {
    const html = renderToStaticMarkup(
      <Table
        wrapClassName={null}
        stack={false}
        caption="c"
        rows={rows}
        rowKey={(r) => r.id}
        columns={[
          { key: "id", header: "Id", rowHeader: true, className: "nowrap", cell: (r) => r.id },
          { key: "n", header: "Count (units)", label: "Count", cell: (r) => r.n },
          { key: "m", header: "More", label: null, headAttrs: { title: "more" }, cell: () => "x" },
        ]}
      />,
    );
    expect(html.startsWith('<table class="table">')).toBe(true);
    expect(html).toContain('<th scope="col" title="more">More</th>');
    expect(html).toContain('<th scope="row" class="nowrap">a</th><td data-label="Count">1</td><td>x</td>');
  });
});
