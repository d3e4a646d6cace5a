"""The progress bar of long runs: on standard error, only where that is a terminal."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator

from ..errors import Interrupted


class ProgressBar:
    """iteration i/N, the output value, iterations per second."""

    def __init__(self, total: int, output: str) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.output = output
        self._progress = Progress(
            TextColumn("iteration"),
            MofNCompleteColumn(),
            BarColumn(),
            TextColumn("{task.fields[value]}"),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._task = self._progress.add_task("run", total=total, value="", rate="")
        self._progress.start()

    def update(self, iteration: int, value: float) -> None:
        task = self._progress.tasks[0]
        speed = task.speed
        self._progress.update(
            self._task,
            completed=iteration,
            value=f"{self.output} = {value:.6g}",
            rate=f"{speed:,.0f} it/s" if speed else "",
        )

    def close(self) -> None:
        self._progress.stop()


def with_progress(
    passes: Iterator[tuple[str, int]], last: int, output: str, value: Callable[[], float]
) -> Iterator[tuple[str, int]]:
    """The passes, with a progress bar on standard error when that is a terminal
    and the tables are not going to it, and Ctrl-C ending cleanly after the pass
    under way: ``Interrupted``, with a line on the last pass done."""
    done: tuple[str, int] | None = None
    bar = None
    if last >= 2 and sys.stderr.isatty() and not sys.stdout.isatty():
        bar = ProgressBar(last, output)
    try:
        for done in passes:
            if bar is not None and done[0] == "forward":
                bar.update(done[1], value())
            yield done
    except KeyboardInterrupt:
        if bar is not None:
            bar.close()
        where = f"after {done[0]} pass {done[1]}" if done else "before the first pass ended"
        said = f": {output} = {value()!r}" if done else ""
        raise Interrupted(f"bpcli: interrupted {where}{said}") from None
    if bar is not None:
        bar.close()
