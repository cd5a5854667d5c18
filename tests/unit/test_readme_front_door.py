"""The README stays a front door (under 250 lines, every part of ReSight named, a map of the
docs), and every Markdown link and anchor in the repository resolves (scripts/check_links.py,
also run by ``make lint``)."""

from __future__ import annotations

import importlib.util
import re
import sys
from dataclasses import replace
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def check_links():
    spec = importlib.util.spec_from_file_location("check_links", ROOT / "scripts/check_links.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("check_links", module)
    spec.loader.exec_module(module)
    return module


def test_the_readme_is_under_250_lines():
    assert len(README.splitlines()) < 250


def test_the_readme_maps_every_doc():
    linked = set(re.findall(r"\]\((docs/[\w.-]+\.md)", README))
    docs = {f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md")}
    assert docs <= linked, sorted(docs - linked)


def test_every_link_resolves(capsys):
    assert check_links().main([]) == 0, capsys.readouterr().out


def test_a_broken_link_and_a_missing_anchor_fail(tmp_path):
    module = check_links()
    broken = tmp_path / "broken.md"
    broken.write_text(
        "[ok](https://learn.microsoft.com/azure) [ok](api.md#jobs-and-alerts)\n"
        "[gone](no-such-file.md)\n"
        "[anchor](api.md#no-such-heading)\n"
        "`[in code](nowhere.md)`\n"
        "[bad url](https://exa mple.com)\n"
    )
    # Read as if the page were in docs/, beside api.md.
    links = [replace(link, path=ROOT / "docs" / "broken.md") for link in module.links(broken)]
    assert [link.target for link in links] == [
        "https://learn.microsoft.com/azure",
        "api.md#jobs-and-alerts",
        "no-such-file.md",
        "api.md#no-such-heading",
        "https://exa",
    ]
    problems = [module.problem(link, {}) for link in links]
    assert problems[:2] == [None, None]
    assert problems[2] == "no such file"
    assert problems[3] and "no heading" in problems[3]
    assert problems[4] and "host" in problems[4]


def test_a_renamed_module_named_in_the_docs_fails(tmp_path):
    module = check_links()
    page = tmp_path / "page.md"
    page.write_text(
        "`shared/ingest/webhook.py`, `python -m demo.samples daily`,\n"
        "`shared.ingest.webhook.append`, `imports/incoming/<id>/<file>`, `functions/webhook_*`\n"
        "`shared/ml/renamed.py` and `python -m shared.ml.renamed.train`\n"
    )
    problems = module.code_path_problems(page, module.repository_paths())
    assert [(line, name) for line, name, _ in problems] == [
        (3, "shared/ml/renamed.py"),
        (3, "shared.ml.renamed.train"),
    ]
