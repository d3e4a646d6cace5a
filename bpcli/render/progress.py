"""The progress bar of long runs: on standard error, only where that is a terminal."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


class ProgressBar:
    """iteration i/N, the output value, iterations per second."""

    def __init__(self, total: int, output: str) -> None:
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
