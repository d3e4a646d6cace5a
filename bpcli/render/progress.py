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


class Watch:
    """A run's passes, watched: a progress bar on standard error when that is a
    terminal and the tables are not going to it, and the last pass done, for
    the one line that Ctrl-C prints wherever it strikes (in a pass, or while a
    table or a JSON line is written)."""

    def __init__(self, last: int, output: str, value: Callable[[], float]) -> None:
        self.last, self.output, self.value = last, output, value
        self.done: tuple[str, int] | None = None
        self.bar: ProgressBar | None = None

    def passes(self, source: Iterator[tuple[str, int]]) -> Iterator[tuple[str, int]]:
        if self.last >= 2 and sys.stderr.isatty() and not sys.stdout.isatty():
            self.bar = ProgressBar(self.last, self.output)
        try:
            for self.done in source:
                if self.bar is not None and self.done[0] == "forward":
                    self.bar.update(self.done[1], self.value())
                yield self.done
        finally:
            self.close()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def interrupted(self, signal: BaseException) -> Interrupted:
        """What Ctrl-C or SIGTERM says: after which pass the run stopped, and its
        output then."""
        self.close()
        done = self.done
        if done is None:
            return Interrupted.by(signal, "before the first pass ended")
        where = f"after {done[0]} pass {done[1]}: {self.output} = {self.value()!r}"
        return Interrupted.by(signal, where)
