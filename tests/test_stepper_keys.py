"""The stepper a person would want (issue 13, item 5), in a real pseudo-terminal
(pexpect) read through a terminal emulator (pyte), as a person sees it: `b` in
place, "already at the first step", `?` and unknown keys, `g N`, `/NAME`,
`--quiz`; and the same keys from a pipe."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import termios
from pathlib import Path

import pexpect
import pyte
import pytest

from conftest import ROOT

BPCLI = str(Path(sys.executable).parent / "bpcli")  # the venv's console script
NEURON = "circuits/neuron.txt"
PROMPT = r"\[q\] quit  \[\?\] keys"
ERASE = re.compile(r"\r\x1b\[(\d+)A\x1b\[J")
# SPEC's figures for circuits/neuron.txt, worked out by hand, not by bpcli.
SIGMOID_LOCAL = 0.104994  # σ(2)(1 − σ(2)), the grad of ax_p_by_p_c
GRADS = {"a": -0.104994, "x": 0.104994, "b": 0.314982, "y": 0.209988, "c": 0.104994}


class Terminal:
    """bpcli on a pseudo-terminal of ROWS × COLS, its output kept raw and drawn."""

    def __init__(self, *args: str, rows: int = 30, cols: int = 80) -> None:
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
        env.update(TERM="xterm", NO_COLOR="1")
        self.child = pexpect.spawn(
            BPCLI, ["trace", *args], cwd=str(ROOT), env=env, dimensions=(rows, cols),
            encoding="utf-8", timeout=20,
        )  # fmt: skip
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.Stream(self.screen)
        self.raw = ""

    def until(self, pattern: object) -> str:
        """Everything output since the last call, up to ``pattern`` (regex)."""
        self.child.expect(pattern)
        after = self.child.after
        got = self.child.before + (after if isinstance(after, str) else "")
        self.raw += got
        self.stream.feed(got)
        return got

    def send(self, keys: str, then: object = PROMPT) -> str:
        self.child.send(keys)
        return self.until(then)

    def shown(self) -> str:
        return "\n".join(line.rstrip() for line in self.screen.display)

    def headings(self) -> list[int]:
        return [int(n) for n in re.findall(r"· step (\d+)/21", self.shown())]

    def close(self) -> int:
        self.child.close()
        return self.child.exitstatus


def test_b_at_the_first_step_says_so_and_redraws_nothing() -> None:
    t = Terminal("--step", NEURON)
    t.until(PROMPT)
    got = t.send("b")
    assert "already at the first step" in got
    assert "step 1/21" not in got and not ERASE.search(got)  # nothing drawn again
    t.send("q", pexpect.EOF)
    assert t.close() == 0


def test_n_n_b_shows_step_2_in_place_of_step_3() -> None:
    t = Terminal("--step", NEURON)
    t.until(PROMPT)
    t.send("n")
    t.send("n")
    assert t.headings()[-2:] == [2, 3]
    got = t.send("b")
    assert ERASE.search(got), "b sent no cursor-up and clear"
    shown = t.shown()
    assert t.headings()[-1] == 2 and "step 3/21" not in shown  # step 3 gone, 2 last
    assert "addg0.forward(ax, by)" not in shown and "mulg1.forward(b, y)" in shown
    t.send("b")  # and on back to step 1: the screen ends with it
    assert t.headings()[-1] == 1 and "step 2/21" not in t.shown()
    t.send("n")  # forward again: step 2 comes under step 1, as at first
    assert t.headings()[-2:] == [1, 2]
    t.send("q", pexpect.EOF)
    assert t.close() == 0


def test_back_from_a_step_taller_than_the_screen_clears_the_screen() -> None:
    t = Terminal("--step", NEURON, rows=8)  # step 3 takes 10 rows: its top is gone
    t.until(PROMPT)
    t.send("n")
    t.send("n")
    got = t.send("b")
    assert "\x1b[H\x1b[J" in got and not ERASE.search(got)  # no cursor-up past the top
    assert "step 2/21" in got.split("\x1b[H\x1b[J")[1]  # step 2 drawn from its heading
    assert "step 3/21" not in t.shown()
    t.send("q", pexpect.EOF)


def test_back_on_a_short_screen_redraws_the_earlier_step_in_place() -> None:
    t = Terminal("--step", NEURON, rows=12)  # step 2 and 3 do not fit together
    t.until(PROMPT)
    t.send("n")
    t.send("n")
    got = t.send("b")
    (up,) = ERASE.findall(got)  # step 3's rows erased, step 2 drawn in their place
    assert int(up) == 10 and "step 2/21" in got
    assert "step 3/21" not in t.shown()
    t.send("q", pexpect.EOF)


@pytest.mark.parametrize("key", ["?", "x"])
def test_question_mark_and_an_unknown_key_show_the_keys(key: str) -> None:
    t = Terminal("--step", NEURON)
    t.until(PROMPT)
    got = t.send(key)
    assert "g, a number, Enter" in got and "/, a name, Enter" in got
    assert ("'x' does nothing here" in got) == (key == "x")
    assert t.headings()[-1] == 1  # still at step 1
    t.send("q", pexpect.EOF)
    assert t.close() == 0


def test_g_a_number_enter_jumps_forward_and_back_echoing_what_is_typed() -> None:
    t = Terminal("--step", NEURON)
    t.until(PROMPT)
    t.send("g", "go to step: ")
    t.send("9", "go to step: 9")
    t.send("\x7f", r"go to step: (?!9)")  # Backspace rubs the 9 out
    t.send("5\r")
    assert t.headings()[-1] == 5 and "sg0.forward(ax_p_by_p_c)" in t.shown()
    assert "step 3/21" not in t.raw  # the steps passed over are not shown
    t.send("g2\r")  # back to a step seen, in place
    assert t.headings()[-1] == 2 and "step 5/21" not in t.shown()
    got = t.send("g99\r")
    assert "no step 99: the steps are 1 to 21" in got
    t.send("g7\x1b")  # Esc cancels: nothing moves
    got = t.send("\r")
    assert "step 3/21" in got  # Enter after the cancel is the next step
    t.send("q", pexpect.EOF)
    assert t.close() == 0


def test_slash_name_enter_jumps_to_the_next_step_that_touches_it() -> None:
    t = Terminal("--step", NEURON)
    t.until(PROMPT)
    t.send("/", "find: /")
    t.send("sg0\r")
    assert t.headings()[-1] == 5  # sg0.forward, the first step of sg0 after step 1
    t.send("/sg0\r")
    assert t.headings()[-1] == 7 and "sg0.backward()" in t.shown()  # the seed is not sg0's
    t.send("/ax\r")  # a unit: step 8 (addg1) holds ax_p_by, not ax; step 9 (addg0) does
    assert t.headings()[-1] == 9 and "addg0.backward()" in t.shown()
    got = t.send("/nosuch\r")
    assert "no step after 9 touches nosuch" in got
    t.send("q", pexpect.EOF)
    assert t.close() == 0


def test_quiz_in_a_terminal_right_wrong_and_asked_again() -> None:
    t = Terminal("--quiz", NEURON)
    t.until(PROMPT)
    for _ in range(5):  # the forward steps and the seed: no question
        t.send("\r")
    got = t.send("\r", r"ax_p_by_p_c\.grad = \? ")
    assert "quiz · step 7/21 · sg0.backward()" in got and "backward 0 · step 7/21" not in got
    t.send("0.1x", "0.1x")  # echoed as typed
    got = t.send("\x7f\x7f5\r")  # rubbed out: 0.5, wrong
    assert "wrong: it is 0.104994" in got
    assert "sg0.u0.grad += σ(1−σ) × utop.grad = 0.104994 × 1.000000" in got  # the chain rule
    assert got.index("wrong") < got.index("backward 0 · step 7/21")  # then the step
    got = t.send("\r", r"ax_p_by\.grad = \? ")
    t.send("abc\r", r"'abc' is not a number[\s\S]*ax_p_by\.grad = \? ")  # asked again
    got = t.send(f"{SIGMOID_LOCAL}\r", r"c\.grad = \? ")
    assert "right" in got
    t.send(f"{GRADS['c']}\r")
    t.send("c", r"\nax\.grad = \? ")  # run on: the quiz still asks
    answers = ["0.105", "0.104994", f"{GRADS['b']}", "0.3", f"{GRADS['a']}", f"{GRADS['x']}"]
    for answer, then in zip(answers, ["by", "b", "y", "a", "x"], strict=False):
        t.send(answer + "\r", rf"\n{then}\.grad = \? ")
    t.send(answers[-1] + "\r", "right")
    got = t.until(pexpect.EOF)
    assert "7 of 9 right" in got  # 0.5 and 0.3 (y is 0.209988) wrong
    assert t.close() == 0


def test_quiz_q_quits_with_0_and_the_score_so_far() -> None:
    t = Terminal("--quiz", NEURON)
    t.until(PROMPT)
    t.send("/sg0\r")
    t.send("/sg0\r", r"= \? ")
    t.send("0.104994\r")
    got = t.send("q", pexpect.EOF)
    assert "1 of 1 right" in got
    assert t.close() == 0


def test_ctrl_c_mid_line_exits_130_with_the_stty_settings_restored() -> None:
    def stty(fd: int) -> list:
        return termios.tcgetattr(fd)

    t = Terminal("--quiz", NEURON)
    before = stty(t.child.child_fd)
    t.until(PROMPT)
    assert stty(t.child.child_fd) != before  # cbreak while it runs
    t.send("g", "go to step: ")
    t.child.send("1")
    t.child.sendintr()
    got = t.until(pexpect.EOF)
    assert "interrupted" in got and "Traceback" not in got
    assert stty(t.child.child_fd) == before  # the pseudo-terminal's settings, as found
    assert t.close() == 130


def pipe(*args: str, keys: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [BPCLI, "trace", *args], input=keys, cwd=ROOT, capture_output=True, text=True,
        timeout=60, env=dict(os.environ, COLUMNS="80"),
    )  # fmt: skip


def step_numbers(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"^\w+ \d+ · step (\d+)/", text, flags=re.M)]


def test_keys_from_a_pipe_back_help_goto_find() -> None:
    proc = pipe("--step", NEURON, keys="b\n\n\nb\nzz\ng 5\ng 99\n/sg0\n/nosuch\ng1\nq\n")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert step_numbers(out) == [1, 2, 3, 2, 5, 7, 1]
    assert "already at the first step" in out
    assert "── back to step 2 ──" in out and "── back to step 1 ──" in out
    assert "── on to step 5 ──" in out and "'zz' does nothing here" in out
    assert "no step 99: the steps are 1 to 21" in out
    assert "no step after 7 touches nosuch" in out
    assert "\x1b[" not in out  # no cursor movement into a pipe


def test_quiz_from_a_pipe_one_answer_a_line_and_the_score() -> None:
    answers = ["0.104994", "0.1", "abc", "0.105", "0.104994"]
    answers += [str(GRADS[u]) for u in ("b", "y", "a", "x")]
    proc = pipe("--quiz", NEURON, keys="\n".join(answers) + "\n")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert step_numbers(out) == list(range(1, 22))  # no keys between the steps
    assert "ax_p_by.grad = ? 0.1\nwrong: it is 0.104994\n" in out
    assert "c.grad = ? abc\nnot a number: 'abc'\nwrong: it is 0.104994" in out
    assert out.rstrip().endswith("7 of 9 right")


def test_quiz_from_a_pipe_that_ends_early_ends_the_quiz_cleanly() -> None:
    proc = pipe("--quiz", NEURON, keys="0.104994\n")
    assert proc.returncode == 0 and "Traceback" not in proc.stderr
    assert step_numbers(proc.stdout) == list(range(1, 22))
    assert proc.stdout.rstrip().endswith("1 of 1 right")
    assert "ax_p_by.grad = ?" not in proc.stdout  # not asked once the input ended


def test_quiz_refuses_json_and_standard_input_as_the_file() -> None:
    for args in (["--quiz", "--format", "jsonl", NEURON], ["--quiz", "-"]):
        proc = pipe(*args, keys="")
        assert proc.returncode == 2 and "--quiz" in proc.stderr and "Traceback" not in proc.stderr


def test_ctrl_c_names_the_step_on_the_screen() -> None:
    """Ctrl-C while step 1 waits for a key: the trace stopped after step 1,
    the one the learner is looking at."""
    child = pexpect.spawn(BPCLI, ["trace", "--step", NEURON], cwd=str(ROOT), encoding="utf-8",
                          dimensions=(40, 100), timeout=30)  # fmt: skip
    child.expect(PROMPT)
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    assert "interrupted after step 1/21: mulg0.forward(a, x)" in child.before
    assert child.exitstatus == 130


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_at_60_columns_the_key_line_shows_every_key(lang: str) -> None:
    """The key line never cuts a key off: at 60 columns `[q]` is there, in both
    languages, on a line no wider than the screen."""
    t = Terminal("--step", NEURON, cols=60)
    t.child.close()
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env.update(TERM="xterm", NO_COLOR="1")
    t.child = pexpect.spawn(BPCLI, ["--lang", lang, "trace", "--step", NEURON], cwd=str(ROOT),
                            env=env, dimensions=(30, 60), encoding="utf-8", timeout=20)  # fmt: skip
    t.until(r"\[\?\][^\r\n]*")
    last = [line for line in t.shown().splitlines() if "[?]" in line][-1]
    for key in ("[Enter]", "[b]", "[g]", "[/]", "[c]", "[q]", "[?]"):
        assert key in last, last
    assert "…" not in last and len(last) <= 60
    t.send("q", pexpect.EOF)
    assert t.close() == 0


def test_a_russian_layouts_letters_are_the_same_keys() -> None:
    """On a Russian layout the keys n, b, q type т, и, й: each does what its key
    does (next, back, quit)."""
    t = Terminal("--step", NEURON)
    t.until(PROMPT)
    t.send("т")
    t.send("т")
    assert t.headings()[-2:] == [2, 3]
    t.send("и")
    assert t.headings()[-1] == 2 and "step 3/21" not in t.shown()
    assert "does nothing here" not in t.raw
    t.send("й", pexpect.EOF)
    assert t.close() == 0
