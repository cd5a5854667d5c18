"""Generated requests against devhost (the fast part of ``make reliability``): about a thousand
API and webhook cases per run, and every input of the failure corpus replayed.

Properties (``reliability.fuzz``): no 5xx; every 4xx carries ``{"error", "message"}``; a
refused request writes nothing (the fault seam's write log); a documented valid webhook is
accepted.
"""

from __future__ import annotations

import pytest

from reliability import corpus, fuzz
from reliability.stack import Stack, stack_env

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def stack(services, tmp_path_factory):
    # The app's settings go to devhost only: this process's own clients stay off the seam.
    s = Stack(stack_env(services), tmp_path_factory.mktemp("reliability"))
    s.start_host()
    yield s
    s.stop_host()


# Webhooks first: the API cases include rotating the webhook secrets.


def _report(tally: fuzz.Tally) -> str:
    return "\n".join(
        f"{f.get('operation') or f.get('marketplace')}: {f['problem']}" for f in tally.failures[:20]
    )


def test_signed_webhooks_and_their_mutations_keep_the_properties(stack):
    tally = fuzz.fuzz_webhooks(stack, per_marketplace=150, seed=14)
    assert tally.requests >= 400
    assert tally.by_status[200] > 50 and tally.refused_writes_checked > 50
    assert not tally.failures, _report(tally)


def test_generated_api_requests_keep_the_properties(stack):
    tally = fuzz.fuzz_api(stack, per_operation=3, seed=14)
    assert tally.requests >= 400
    assert tally.refused_writes_checked > 50
    assert not tally.failures, _report(tally)


@pytest.mark.parametrize("name, entry", corpus.load() or [("empty", None)])
def test_every_failure_found_stays_fixed(stack, name, entry):
    if entry is None:
        assert not list(corpus.CORPUS.glob("*.json"))
        return
    tally = corpus.replay(stack, entry)
    assert tally.requests == 1
    assert not tally.failures, _report(tally)
