"""Check every link in the repository's Markdown files (``make lint``).

- A relative link must name a file or directory that exists in the repository.
- A ``#fragment`` (alone, or after a Markdown file) must be a heading of that file, with the
  anchor GitHub gives it, or an explicit ``<a id="...">``/``<a name="...">``.
- An external link (``http``, ``https``, ``mailto``) is checked only for its form: there is no
  network here, and a check that needs one would fail for reasons of its own.
- A repository path or Python module named in code (`shared/ingest/webhook.py`,
  `python -m shared.ml.train`) must exist, so a renamed module cannot leave the docs behind.
  Paths are read from the repository root, or from the Markdown file's own directory (the
  dashboard's README names `scripts/...` of `dashboard/`); a name with a placeholder or a
  wildcard (`<id>`, `*`, `{a,b}`) is not checked.

Links inside fenced code blocks and inline code are not links and are skipped. Exit status 1
and one line per broken link (``file:line: target: reason``), else 0.

    python scripts/check_links.py              # every Markdown file git tracks
    python scripts/check_links.py README.md docs/api.md
"""

from __future__ import annotations

import re
import subprocess
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parents[1]

FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
ATX_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
SETEXT_UNDERLINE = re.compile(r"^\s{0,3}(=+|-+)\s*$")
INLINE_CODE = re.compile(r"(`+)(?:.+?)\1")
REFERENCE_DEFINITION = re.compile(r"^\s{0,3}\[([^\]]+)\]:\s*<?(\S+?)>?(?:\s+.*)?$")
HTML_HREF = re.compile(r"""<a\s[^>]*href=["']([^"']+)["']""", re.I)
HTML_ANCHOR = re.compile(r"""<a\s[^>]*(?:id|name)=["']([^"']+)["']""", re.I)
CODE_SPAN = re.compile(r"(`+)(.+?)\1")
CODE_PATH = re.compile(r"[\w./*{}<>-]+")
TOP_LEVEL = ("shared", "functions", "devhost", "demo", "tests", "bench", "scripts", "infra")
TOP_LEVEL += ("reliability", "dashboard", "docs", ".github", ".ci")
PACKAGES = "|".join(("shared", "functions", "devhost", "demo", "reliability", "bench", "infra"))
CODE_MODULE = re.compile(rf"(?<![\w/.])((?:{PACKAGES})(?:\.\w+)+)")
GENERATED = ("dashboard/dist", "dashboard/node_modules")
HOST = re.compile(r"^(localhost|[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+|\[[0-9A-Fa-f:.]+\])(:\d+)?$")


@dataclass(frozen=True)
class Link:
    path: Path
    line: int
    target: str


def repository_paths() -> set[str]:
    """Every file git knows (tracked, or new and not ignored) and every directory above one."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout.decode()
        names = [name for name in listed.split("\0") if name and (ROOT / name).exists()]
    except (OSError, subprocess.CalledProcessError):
        names = [str(p.relative_to(ROOT)) for p in ROOT.rglob("*") if p.is_file()]
    paths = set(names)
    for name in names:
        parts = name.split("/")
        paths.update("/".join(parts[:i]) for i in range(1, len(parts)))
    return paths


def code_spans(text: str) -> list[tuple[int, str]]:
    """(line number, code) for inline code spans and the lines of fenced blocks."""
    spans: list[tuple[int, str]] = []
    fence: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        match = FENCE.match(line)
        if fence is None and match:
            fence = match.group(1)[0] * 3
            continue
        if fence is not None:
            if match and match.group(1).startswith(fence):
                fence = None
            else:
                spans.append((number, line))
            continue
        spans += [(number, span.group(2)) for span in CODE_SPAN.finditer(line)]
    return spans


def path_exists(name: str, bases: list[str], paths: set[str]) -> bool:
    name = name.rstrip("/").rstrip(".,;:")
    candidates = [name] + [f"{base}/{name}" for base in bases if base]
    # `tests/integration/helpers.Listener`: a module and a name in it.
    candidates += [c.rsplit(".", 1)[0] + ".py" for c in candidates if "." in c.rsplit("/", 1)[-1]]
    return any(c in paths or f"{c}.py" in paths for c in candidates)


def module_exists(name: str, paths: set[str]) -> bool:
    """`shared.ingest.webhook.append`: a module, or a module and one name in it."""
    parts = name.split(".")
    for end in (len(parts), len(parts) - 1):
        base = "/".join(parts[:end])
        if f"{base}.py" in paths or f"{base}/__init__.py" in paths:
            return True
    return False


def code_path_problems(path: Path, paths: set[str]) -> list[tuple[int, str, str]]:
    base = str(path.parent.relative_to(ROOT)) if ROOT in path.parents else ""
    base = "" if base == "." else base
    problems = []
    for number, code in code_spans(path.read_text(encoding="utf-8")):
        for name in CODE_PATH.findall(code):
            if (
                "/" in name
                and name.split("/")[0] in TOP_LEVEL
                and not re.search(r"[*{}<>]", name)
                and not name.startswith(GENERATED)
                # `cd dashboard && node scripts/x.mjs`: also from that directory
                and not path_exists(name, [base, *re.findall(r"\bcd (\S+)", code)], paths)
            ):
                problems.append((number, name, "no such path in the repository"))
        for name in CODE_MODULE.findall(code):
            if not module_exists(name, paths):
                problems.append((number, name, "no such module"))
    return problems


def markdown_files() -> list[Path]:
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "*.md"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout.decode()
        names = [name for name in listed.split("\0") if name]
    except (OSError, subprocess.CalledProcessError):
        names = [str(p.relative_to(ROOT)) for p in ROOT.rglob("*.md")]
    skip = ("/node_modules/", "/.venv/", "/dashboard/dist/")
    return sorted(
        ROOT / name
        for name in names
        if not any(part in f"/{name}" for part in skip) and (ROOT / name).is_file()
    )


def prose_lines(text: str) -> list[tuple[int, str]]:
    """(line number, line) outside fenced code blocks, with inline code blanked out."""
    lines: list[tuple[int, str]] = []
    fence: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        match = FENCE.match(line)
        if fence is None and match:
            fence = match.group(1)[0] * 3
            continue
        if fence is not None:
            if match and match.group(1).startswith(fence):
                fence = None
            continue
        lines.append((number, INLINE_CODE.sub(lambda m: " " * len(m.group(0)), line)))
    return lines


def heading_text(raw: str) -> str:
    """The text GitHub renders for a heading's Markdown."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", raw)  # links and images: their text
    text = re.sub(r"<[^>]+>", "", text)  # inline HTML
    text = re.sub(r"(\*\*|__|\*|~~)", "", text)  # emphasis markers (not a word's underscores)
    return text.replace("`", "")


def slug(text: str) -> str:
    """GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens."""
    kept = []
    for char in heading_text(text).strip().lower():
        category = unicodedata.category(char)
        if char in " -" or category[0] in "LMN" or category == "Pc":
            kept.append(char)
    return "".join(kept).replace(" ", "-")


def anchors(path: Path, cache: dict[Path, set[str]]) -> set[str]:
    if path in cache:
        return cache[path]
    text = path.read_text(encoding="utf-8")
    found: set[str] = set()
    seen: dict[str, int] = {}
    headings: list[str] = []
    previous = ""
    fence: str | None = None
    for line in text.splitlines():
        match = FENCE.match(line)
        if fence is None and match:
            fence = match.group(1)[0] * 3
            previous = ""
            continue
        if fence is not None:
            if match and match.group(1).startswith(fence):
                fence = None
            continue
        heading = ATX_HEADING.match(line)
        if heading:
            headings.append(heading.group(2))
        elif SETEXT_UNDERLINE.match(line) and previous.strip() and not previous.startswith("|"):
            headings.append(previous.strip())
        found.update(HTML_ANCHOR.findall(line))
        previous = line
    for raw in headings:
        base = slug(raw)
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    cache[path] = found
    return found


def link_targets(line: str) -> list[str]:
    """Targets of the inline links and images of one line: `[text](target "title")`."""
    targets = []
    start = 0
    while (index := line.find("](", start)) != -1:
        depth, end = 1, index + 2
        while end < len(line) and depth:
            depth += {"(": 1, ")": -1}.get(line[end], 0)
            end += 1
        inside = line[index + 2 : end - 1 if depth == 0 else end].strip()
        if inside.startswith("<") and ">" in inside:
            target = inside[1 : inside.index(">")]
        else:
            target = inside.split()[0] if inside.split() else ""
        targets.append(target)
        start = end
    targets += HTML_HREF.findall(line)
    definition = REFERENCE_DEFINITION.match(line)
    if definition:
        targets.append(definition.group(2))
    return targets


def links(path: Path) -> list[Link]:
    text = path.read_text(encoding="utf-8")
    return [
        Link(path, number, target)
        for number, line in prose_lines(text)
        for target in link_targets(line)
    ]


def external_problem(target: str) -> str | None:
    parts = urlsplit(target)
    if parts.scheme == "mailto":
        return None if re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", parts.path) else "bad address"
    if parts.scheme not in ("http", "https"):
        return f"scheme {parts.scheme!r} is not http(s)"
    if any(char.isspace() for char in target):
        return "whitespace in a URL"
    if not HOST.match(parts.netloc.rsplit("@", 1)[-1]):
        return f"no valid host in {parts.netloc!r}"
    return None


def problem(link: Link, cache: dict[Path, set[str]]) -> str | None:
    target = link.target
    if not target:
        return "empty link"
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", target):
        return external_problem(target)
    file_part, _, fragment = target.partition("#")
    file_part = unquote(file_part.split("?", 1)[0])
    if file_part.startswith("/"):
        resolved = (ROOT / file_part.lstrip("/")).resolve()
    else:
        resolved = (link.path.parent / file_part).resolve() if file_part else link.path
    if ROOT not in (resolved, *resolved.parents):
        return "points outside the repository"
    if not resolved.exists():
        return "no such file"
    if fragment and resolved.suffix.lower() == ".md":
        if unquote(fragment).lower() not in anchors(resolved, cache):
            return f"no heading #{fragment} in {resolved.relative_to(ROOT)}"
    elif fragment and resolved.is_dir():
        return "an anchor on a directory"
    return None


def main(argv: list[str]) -> int:
    files = [Path(a).resolve() for a in argv] if argv else markdown_files()
    cache: dict[Path, set[str]] = {}
    paths = repository_paths()
    broken = 0
    checked = 0
    for path in files:
        where = path.relative_to(ROOT) if ROOT in path.parents else path
        for link in links(path):
            checked += 1
            reason = problem(link, cache)
            if reason:
                broken += 1
                print(f"{where}:{link.line}: {link.target}: {reason}")
        for number, name, reason in code_path_problems(path, paths):
            broken += 1
            print(f"{where}:{number}: `{name}`: {reason}")
    print(
        f"check_links: {checked} links in {len(files)} files, {broken} broken"
        " (links, and paths and modules named in code)",
        file=sys.stderr,
    )
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
