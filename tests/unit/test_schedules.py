"""Timer schedules have one source: the defaults of ``Settings``' ``*_schedule`` fields."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from function_app import app
from functions.app_index import functions_of
from shared.core.settings import schedule_defaults

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]


def _timer_settings() -> set[str]:
    names = set()
    for function in functions_of(app):
        for binding in function.get_bindings():
            spec = binding.get_dict_repr()
            if spec.get("type") == "timerTrigger":
                match = re.fullmatch(r"%(\w+)%", str(spec["schedule"]))
                assert match, f"{function.get_function_name()}: schedule is not an app setting"
                names.add(match.group(1))
    return names


def test_every_timer_reads_a_schedule_setting_with_a_default_and_no_default_is_unused():
    assert _timer_settings() == set(schedule_defaults())


def test_the_local_example_holds_the_code_defaults():
    example = json.loads((ROOT / "local.settings.example.json").read_text())["Values"]
    assert {name: example.get(name) for name in schedule_defaults()} == schedule_defaults()


def test_tests_and_code_write_no_schedule_of_their_own():
    """Outside settings.py, Bicep (checked against the code by test_settings_sync) and the
    docs, an NCRONTAB value written out is a second source."""
    value = re.compile(r"""["'](\S+ ){5}\S+["']""")
    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for base in ("shared", "functions", "demo", "devhost", "tests")
        for path in (ROOT / base).rglob("*.py")
        if path != ROOT / "shared/core/settings.py"
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if value.search(line) and set(value.search(line).group(0)) <= set("'\"*/0123456789 ,-")
    ]
    assert found == []


def test_the_deployment_passes_the_code_default_where_it_names_a_schedule():
    """main.bicep exposes the re-rank schedule as a parameter of its own: its default and the
    parameters file must be the code's, or the deployment would run another schedule."""
    main = (ROOT / "infra/bicep/main.bicep").read_text()
    defaults = dict(re.findall(r"^param (\w+Schedule) string = '([^']*)'", main, re.M))
    parameters = json.loads((ROOT / "infra/bicep/main.parameters.json").read_text())["parameters"]
    given = {k: v["value"] for k, v in parameters.items() if k.endswith("Schedule")}

    def setting(param: str) -> str:  # reconcileSchedule -> RECONCILE_SCHEDULE
        return re.sub(r"(?<!^)(?=[A-Z])", "_", param).upper()

    assert defaults, "main.bicep names no schedule parameter: drop this test"
    for param, value in {**defaults, **given}.items():
        assert value == schedule_defaults()[setting(param)], param
