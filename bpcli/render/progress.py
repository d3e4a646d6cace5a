"""The progress bar of long runs: on standard error, only where that is a
terminal, and only once a run has taken long enough to want one.

The bar costs next to nothing: a run's loop only reads the clock, and hands
the bar its figures a few times a second (and only then does rich draw it).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator

from ..core.errors import Interrupted
from ..i18n import N_, _

REFRESH = 8  # times a second the bar is given new figures and redrawn
DELAY = 0.5  # seconds a run goes on before it shows a bar (none for a short run)
AFTER = {  # where Ctrl-C struck, a pass's own words
    "forward": N_("after forward pass {iteration}: {output} = {value}"),
    "backward": N_("after backward pass {iteration}: {output} = {value}"),
    "update": N_("after update pass {iteration}: {output} = {value}"),
}


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
            TextColumn(_("iteration").replace("[", "\\[")),
            MofNCompleteColumn(),
            BarColumn(),
            TextColumn("{task.fields[value]}"),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
            auto_refresh=False,  # drawn when given figures: no thread of its own
            redirect_stdout=False,
            redirect_stderr=False,
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
            # no grouping: a comma is Russian's decimal point
            rate=_("{rate} it/s").format(rate=f"{speed:.0f}") if speed else "",
        )
        self._progress.refresh()

    def close(self) -> None:
        self._progress.stop()


class Watch:
    """A run's passes, watched: a progress bar on standard error when that is a
    terminal and the tables are not going to it, and the last pass done, for
    the one line that Ctrl-C prints wherever it strikes (in a pass, or while a
    table or a JSON line is written)."""

    def __init__(
        self, last: int, output: str, value: Callable[[], float], quiet: bool = False
    ) -> None:
        self.last, self.output, self.value = last, output, value
        self.done: tuple[str, int] | None = None
        self.bar: ProgressBar | None = None
        # Standard error a terminal, and nothing else drawing on it: with -q the
        # one line comes at the end, after the bar has gone.
        self.wanted = last >= 2 and sys.stderr.isatty() and (quiet or not sys.stdout.isatty())

    def passes(self, source: Iterator[tuple[str, int]]) -> Iterator[tuple[str, int]]:
        if not self.wanted:
            yield from self._passes(source)
            return
        clock = time.monotonic
        last = clock()
        due = last + DELAY  # when the bar next gets figures (first: when it appears)
        # The clock is read every `stride` passes, `stride` kept to some 32 reads a
        # second: a pass of a small circuit takes a microsecond or two.
        stride = count = 1
        try:
            for self.done in source:
                count -= 1
                if not count:
                    now = clock()
                    if now >= due and self.done[0] == "forward":
                        if self.bar is None:
                            self.bar = ProgressBar(self.last, self.output)
                        self.bar.update(self.done[1], self.value())
                        due = clock() + 1 / REFRESH
                    if now - last < 1 / 32:
                        stride *= 2
                    elif now - last > 1 / 8 and stride > 1:
                        stride //= 2
                    last, count = now, stride
                yield self.done
        finally:
            self.close()

    def _passes(self, source: Iterator[tuple[str, int]]) -> Iterator[tuple[str, int]]:
        for self.done in source:
            yield self.done

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
            return Interrupted.by(signal, _("before the first pass ended"))
        said = AFTER.get(done[0], N_("after {phase} pass {iteration}: {output} = {value}"))
        where = _(said).format(
            phase=done[0], iteration=done[1], output=self.output, value=repr(self.value())
        )
        return Interrupted.by(signal, where)
