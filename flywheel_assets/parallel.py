"""Run one function over many partitions in N worker processes (no Dagster): ``flywheel run --workers N``.

Workers are fresh (``spawn``) processes kept for the whole run, so each loads its models once and then takes the
next partition. Results come back in the order of ``days``. A worker that dies (killed, out of memory) fails the
partitions it had and those still waiting, and the run reports them failed instead of hanging; re-running them
replaces each partition in one transaction, so nothing is lost or duplicated.
"""

from __future__ import annotations

import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field


@dataclass
class PartitionOutcome:
    day: str
    ok: bool
    failed_checks: list[str] = field(default_factory=list)
    seconds: float = 0.0
    error: str = ""
    warnings: list[str] = field(default_factory=list)  # failed non-blocking checks (run_report)
    lines: list[str] = field(default_factory=list)  # run_report's printable line per failure / warning


def map_partitions(fn, days: list[str], workers: int, on_done=None) -> list[PartitionOutcome]:
    """``fn(day) -> PartitionOutcome`` for every day, ``workers`` at a time in separate processes (``fn`` must be
    picklable: a module-level function or a ``functools.partial`` of one). ``on_done(outcome)`` is called in the
    parent as each partition finishes."""
    outcomes: dict[str, PartitionOutcome] = {}
    ctx = mp.get_context("spawn")
    with ProcessPoolExecutor(max_workers=max(1, min(workers, len(days) or 1)), mp_context=ctx) as pool:
        futures = {pool.submit(fn, day): day for day in days}
        for fut in as_completed(futures):
            day = futures[fut]
            try:
                out = fut.result()
            except BrokenProcessPool as exc:
                out = PartitionOutcome(day, False, error=f"worker process died: {exc}")
            except Exception as exc:  # noqa: BLE001 - reported per partition, the run goes on
                out = PartitionOutcome(day, False, error=f"{type(exc).__name__}: {exc}")
            outcomes[day] = out
            if on_done:
                on_done(out)
    return [outcomes[d] for d in days]
