import type { ReactNode } from "react";

/** Attributes a row or a cell carries for the browser tests and the page's own links. */
export type Attrs = Record<string, string | number | boolean | null | undefined>;

export interface Column<R> {
  key: string;
  /** The header cell's content. */
  header: ReactNode;
  /** The cell's name where rows stack into cards on a phone (`data-label`); null for none. */
  label?: string | null;
  /** A number: right-aligned, header included. */
  num?: boolean;
  /** The row's name: a row header (`th scope="row"`), the card's title on a phone when rows stack. */
  rowHeader?: boolean;
  /** More classes for the cell, given its row. */
  className?: string | ((row: R) => string);
  /** The header cell's classes when not a number column. */
  headClassName?: string;
  /** More attributes for the header cell (a title, …). */
  headAttrs?: Attrs;
  /** More attributes for the cell (data-testid, data-value, title, …). */
  attrs?: (row: R, index: number) => Attrs;
  cell: (row: R, index: number) => ReactNode;
}

export interface TableProps<R> {
  rows: readonly R[];
  /** A column left out (false, null) is not drawn, e.g. an admin's actions. */
  columns: readonly (Column<R> | false | null | undefined)[];
  /** What the table holds: for screen readers only, unless `captionClassName` says otherwise. */
  caption: ReactNode;
  captionClassName?: string;
  testId?: string;
  /** Attributes on the table itself (data-total, …). */
  tableAttrs?: Attrs;
  /** Extra classes: "compact", "rank-table", … */
  className?: string;
  /** Rows stack into cards on a phone (default). */
  stack?: boolean;
  rowKey: (row: R, index: number) => string | number;
  /** Every row's data-testid: the browser tests find rows by it. */
  rowTestId?: string | ((row: R, index: number) => string);
  rowAttrs?: (row: R, index: number) => Attrs;
  rowClassName?: (row: R, index: number) => string | undefined;
  /** The wrapper's classes; null for no wrapper. */
  wrapClassName?: string | null;
  /** Attributes on the wrapper (aria-busy while a refetch runs, …). */
  wrapAttrs?: Attrs;
}

const classes = (...names: (string | false | null | undefined)[]) => names.filter(Boolean).join(" ") || undefined;

/**
 * The dashboard's one table: a caption, column headers with scope, a row header as the card title,
 * cells named for the stacked layout on a phone, and a test id per row.
 */
export function Table<R>({
  rows,
  columns,
  caption,
  captionClassName = "visually-hidden",
  testId,
  tableAttrs,
  className,
  stack = true,
  rowKey,
  rowTestId,
  rowAttrs,
  rowClassName,
  wrapClassName = "table-wrap",
  wrapAttrs,
}: TableProps<R>) {
  const shown = columns.filter((c): c is Column<R> => Boolean(c));
  const table = (
    <table className={classes("table", stack && "table-stack", className)} data-testid={testId} {...tableAttrs}>
      <caption className={captionClassName}>{caption}</caption>
      <thead>
        <tr>
          {shown.map((c) => (
            <th key={c.key} scope="col" className={c.num ? "num" : c.headClassName} {...c.headAttrs}>
              {c.header}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row, i) => (
          <tr
            key={rowKey(row, i)}
            className={rowClassName?.(row, i)}
            data-testid={typeof rowTestId === "function" ? rowTestId(row, i) : rowTestId}
            {...rowAttrs?.(row, i)}
          >
            {shown.map((c) => {
              const extra = typeof c.className === "function" ? c.className(row) : c.className;
              if (c.rowHeader) {
                return (
                  <th key={c.key} scope="row" className={classes(stack && "card-title", extra)} {...c.attrs?.(row, i)}>
                    {c.cell(row, i)}
                  </th>
                );
              }
              const label = c.label === undefined ? (typeof c.header === "string" ? c.header : undefined) : (c.label ?? undefined);
              return (
                <td key={c.key} className={classes(c.num && "num", extra)} data-label={label} {...c.attrs?.(row, i)}>
                  {c.cell(row, i)}
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
  return wrapClassName === null ? table : <div className={wrapClassName} {...wrapAttrs}>{table}</div>;
}
