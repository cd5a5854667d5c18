"""The SQL guard: what any statement must pass before DuckDB sees it.

Whoever wrote it (a person in the console or the model), a statement must be one ``SELECT`` or
``UNION`` over the gold tables (and its own CTEs), call no function that reads files or
settings, and carry a ``LIMIT`` no larger than the row limit (one is added or lowered). The
locked DuckDB behind it (``warehouse``) is the second wall: even a statement that slipped past
this parser cannot read a file or change a setting there.
"""

from __future__ import annotations

import logging

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, SqlglotError
from sqlglot.tokens import Tokenizer, TokenType

from shared.analytics.contracts import TABLES
from shared.core.errors import QueryRefused

# Functions that reach outside the tables: files, globs, settings, the environment, other
# databases, dynamic SQL.
DENIED_PREFIXES = ("read_", "parquet_", "iceberg_", "delta_", "duckdb_", "pragma_", "sniff_")
DENIED_FUNCTIONS = {
    "glob",
    "getenv",
    "current_setting",
    "query",
    "query_table",
    "load",
    "install",
    "sqlite_scan",
    "postgres_scan",
    "mysql_scan",
    "which_secret",
}
WRITES = (
    exp.Insert,
    exp.Update,
    exp.Delete,
    exp.Merge,
    exp.Create,
    exp.Drop,
    exp.Alter,
    exp.Copy,
    exp.Command,
    exp.Set,
    exp.Pragma,
    exp.Attach,
    exp.Detach,
    exp.Into,
)


# sqlglot logs statements it cannot parse fully (LOAD, ...) before the guard refuses them.
logging.getLogger("sqlglot").setLevel(logging.ERROR)


# The parser descends once per nested parenthesis, subquery, CASE, list or NOT, about twenty
# Python frames each: it runs out of stack at ~43 nested parentheses or ~89 subqueries. Both
# limits are checked on the tokens, before parsing, well inside what the parser and DuckDB
# handle; no question a person or the model asks nests this deep or runs this long.
MAX_SQL_CHARS = 20_000
MAX_NESTING = 24
OPENS = {TokenType.L_PAREN, TokenType.L_BRACKET, TokenType.L_BRACE, TokenType.CASE}
CLOSES = {TokenType.R_PAREN, TokenType.R_BRACKET, TokenType.R_BRACE, TokenType.END}
# Prefix operators: each one is a level of the parse tree though nothing closes it; a run of
# them counts until the operand they apply to.
PREFIXES = {TokenType.NOT, TokenType.DASH, TokenType.PLUS, TokenType.TILDE}


def nesting(sql: str) -> int:
    """How deep the statement nests: brackets, CASE ... END and runs of prefix operators."""
    tokens = Tokenizer(dialect="duckdb").tokenize(sql)
    depth = deepest = run = 0
    previous: TokenType | None = None
    for token in tokens:
        kind = token.token_type
        if kind in OPENS:
            depth += 1
        elif kind in CLOSES:
            depth = max(depth - 1, 0)
        # ``a - b`` is not nesting; ``- - b`` and ``NOT NOT b`` are.
        if kind in PREFIXES and (kind == TokenType.NOT or previous in PREFIXES | OPENS):
            run += 1
        elif kind not in PREFIXES:
            run = 0
        deepest = max(deepest, depth + run)
        previous = kind
    return deepest


def _check_size(sql: str) -> None:
    if len(sql) > MAX_SQL_CHARS:
        raise QueryRefused(
            f"the statement is {len(sql):,} characters; the limit is {MAX_SQL_CHARS:,}",
            field="sql",
        )
    depth = nesting(sql)
    if depth > MAX_NESTING:
        raise QueryRefused(
            f"the statement nests {depth} levels deep (brackets, subqueries, CASE, NOT); "
            f"the limit is {MAX_NESTING}",
            field="sql",
        )


def guard(sql: str, *, max_rows: int) -> str:
    """The statement as DuckDB will run it, or ``QueryRefused`` saying why not."""
    if not sql or not sql.strip():
        raise QueryRefused("empty statement", field="sql")
    try:
        _check_size(sql)
        statements = [s for s in sqlglot.parse(sql, read="duckdb") if s is not None]
    except ParseError as exc:
        raise QueryRefused(
            f"not a statement the guard can read: {exc.errors[0]['description']}", field="sql"
        ) from exc
    except RecursionError as exc:  # the last wall: a shape the nesting count does not see
        raise QueryRefused(
            f"the statement nests too deep to read; the limit is {MAX_NESTING} levels",
            field="sql",
        ) from exc
    except (SqlglotError, IndexError) as exc:
        # The tokenizer's own errors (an unterminated quote), and an IndexError it raises on
        # some of them: the text is not SQL the guard can read, whoever sent it.
        raise QueryRefused(
            f"not a statement the guard can read: {str(exc)[:120] or 'unterminated text'}",
            field="sql",
        ) from exc
    if len(statements) != 1:
        raise QueryRefused(f"one statement only; found {len(statements)}", field="sql")
    (tree,) = statements
    if not isinstance(tree, exp.Select | exp.Union):
        kind = tree.key.upper()
        raise QueryRefused(f"only SELECT or UNION may run; this is {kind}", field="sql")
    for node in tree.walk():
        if isinstance(node, WRITES):
            raise QueryRefused(f"{node.key.upper()} is not allowed inside a query", field="sql")
        if isinstance(node, exp.Func):
            name = (node.name if isinstance(node, exp.Anonymous) else node.sql_name()).lower()
            if name in DENIED_FUNCTIONS or name.startswith(DENIED_PREFIXES):
                raise QueryRefused(f"the function {name}() is not allowed", field="sql")
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    for table in tree.find_all(exp.Table):
        if not isinstance(table.this, exp.Identifier):
            raise QueryRefused(
                f"only tables may be read; {table.this.sql('duckdb')} is a file or a function",
                field="sql",
            )
        if table.args.get("db") or table.args.get("catalog"):
            raise QueryRefused(
                f"qualified names are not allowed: {table.sql('duckdb')}", field="sql"
            )
        name = table.name.lower()
        if table.this.quoted and ("/" in name or "." in name or ":" in name):
            raise QueryRefused(f"paths are not allowed: {table.name!r}", field="sql")
        if name not in TABLES and name not in ctes:
            raise QueryRefused(
                f"unknown table {table.name!r}; the tables are {', '.join(TABLES)}", field="sql"
            )
    limit = tree.args.get("limit")
    current = _literal_limit(limit)
    if current is None or current > max_rows:
        tree.set("limit", exp.Limit(expression=exp.Literal.number(max_rows)))
    return tree.sql(dialect="duckdb")


def _literal_limit(limit: exp.Expression | None) -> int | None:
    if not isinstance(limit, exp.Limit):
        return None
    value = limit.expression
    if isinstance(value, exp.Literal) and value.is_int:
        return int(value.this)
    return None  # an expression: replaced by the row limit
