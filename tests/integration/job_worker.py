"""A daily-job worker for the crash test (``python -m tests.integration.job_worker <step>``):
the real timer tick, except that the named step, once its work is done, prints
``worked <step>`` and blocks, so the test can SIGKILL the process before the ledger records
the step as done."""

from __future__ import annotations

import sys
import threading
from typing import Any

from shared.adapters.cosmos import get_store
from shared.core.settings import get_settings
from shared.jobs import daily_run


def main(block_in: str) -> None:
    real = daily_run.steps

    def steps() -> list[tuple[str, Any]]:
        out = []
        for name, fn in real():
            if name == block_in:

                def blocking(ctx: Any, fn: Any = fn, name: str = name) -> dict:
                    fn(ctx)
                    print(f"worked {name}", flush=True)
                    threading.Event().wait()  # until killed
                    return {}

                out.append((name, blocking))
            else:
                out.append((name, fn))
        return out

    daily_run.steps = steps  # type: ignore[assignment]
    print(daily_run.tick(get_store(), get_settings()), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
