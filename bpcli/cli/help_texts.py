"""Every command's `--help`: what it does, then examples that run as shown.

click shows these texts as they are written here (a line of `\\b` keeps the
examples' lines apart). Each is marked for translation and translated where
its command is defined (``help=help_for("run")``): the language is chosen before
the commands are imported. In a translation, the example lines stay as they
are and each `\\b` stays where it is.
"""

from ..i18n import N_

HELP = {
    "bpcli": N_("""\
bpcli: see every Unit of a backprop circuit, and which gate slots hold that very object.

\b
Examples:
  bpcli run circuits/neuron.txt
  bpcli run circuits/neuron.txt --format json | jq '.passes[1].units.a.grad'
  bpcli run -q -n 100 circuits/hinge.txt
  cat circuits/neuron.txt | bpcli run - --set a=2
  bpcli validate --all-errors my_circuit.txt
  bpcli gates
"""),
    "run": N_("""\
Forward, backward, update, forward: a table of every Unit after each pass.

Each row is one Unit: its value, grad, Python id(), and every gate slot
that holds that very object. Slots joined by ≡ share one object: that is
how a grad written by one gate's backward() is read by the next.

A long run shows a progress bar on standard error when that is a terminal
(and standard output is not, or with -q). Ctrl-C stops it after the
current pass, with a summary of the last one completed (status 130).

--write saves the trained input values into FILE (-o NEW: into a new
file), changing only those numbers; the file is replaced whole or not at
all, and not if it changed on disk meanwhile.

\b
Examples:
  bpcli run circuits/neuron.txt
  bpcli run circuits/neuron.txt --no-update
  bpcli run -n 50 --step-size -0.05 circuits/hinge.txt
  bpcli run -n 300 --every 100 --unit loss circuits/hinge.txt
  bpcli run -q -n 300 circuits/hinge.txt -o trained.txt
  bpcli run circuits/neuron.txt --set a=2 --set x=-0.5
  bpcli run circuits/neuron.txt --format json | jq '.passes[-1].output_value'
  s=$(bpcli run -q circuits/neuron.txt)
"""),
    "trace": N_("""\
Every single gate call, forward and backward, with the chain rule written out.

A forward step shows the gate's slots u0, u1 and the new utop Unit. A
backward step shows each write, e.g. sg0.u0.grad += σ(1−σ) × utop.grad,
with its numbers, and every other gate slot that holds the very object
written, which is where the next gate will read it.

FILE may also be your own Python script (FILE.py, or --script): bpcli RUNS
IT, with your rights, in its own interpreter (python3 on PATH, or --python
PATH), exactly as `python FILE.py ARGS` would (arguments after --), and
shows, as it happens, every call of a method named forward or backward (the
gate, self, each attribute that holds a Unit, which other gate attributes
hold the very same object) and every write to a Unit, with the line of your
code that made it: the seed, the zeroing and the update too. micrograd's
and microgpt's Value code too: each op that makes a Value, each _backward
closure call with what its cells hold, each node of microgpt's loop. With
--step the script waits at each step; --passes N watches only its first N
forward passes. In JSON formats the script's own output goes to standard error;
bpcli exits with the script's status.

With --step, bpcli waits after each step: Enter, space or n for the next,
b to go back one step, c to run to the end, q to quit. From a pipe or a
file, each line is one key, and the trace runs on at the end of input.

\b
Examples:
  bpcli trace circuits/neuron.txt
  bpcli trace --step circuits/neuron.txt
  bpcli trace --gate sg0 --gate addg1 circuits/neuron.txt
  bpcli trace --unit x circuits/fanout.txt
  bpcli trace --format jsonl circuits/neuron.txt \\
    | jq -c 'select(.phase=="backward") | .writes'
  bpcli trace examples/neuron_gates.py
  bpcli trace --step examples/neuron_gates.py
  bpcli trace examples/micrograd_neuron.py
  bpcli trace --value-attr v my_script.py -- --epochs 3
"""),
    "check": N_("""\
Analytic gradients against central differences, input by input.

FILE may also be your own Python script (FILE.py, or --script): bpcli runs
it, unchanged, in its own interpreter, and checks each backward() call (or
Value _backward closure) against your own forward code (the op), run again
in a copy of the process with one input nudged (the script never sees it),
naming the line of each slip: a wrong local derivative, = for +=, backward
in the wrong order, grads not reset. A call that cannot be judged (forward
code that is random, say) is named with the reason. The verdict is ok only
when at least one pull was checked and none was wrong; exit status 1
otherwise.

For a circuit: for each input x, the gradient backprop gives, (f(x+h) − f(x−h)) / 2h, the
relative error |a − n| / max(|a|, |n|) and a verdict. A tiny absolute
difference counts as agreement too (near zero, the central difference is
mostly rounding noise); each row says which rule decided. At a kink (relu
or abs at 0, a max/min tie) there is no derivative: the row says so. Exit
status 1 when any input fails.

\b
Examples:
  bpcli check circuits/neuron.txt
  bpcli check --h 1e-6 --tol 1e-8 1e-5 circuits/relu_net.txt
  bpcli check --set c=0.2 circuits/hinge.txt
  bpcli check --format json circuits/neuron.txt \\
    | jq '.inputs[] | select(.verdict != "ok")'
  bpcli check examples/neuron_slip.py
  bpcli check examples/micrograd_slip.py
"""),
    "graph": N_("""\
The circuit as a picture: gates as boxes, each Unit once, one edge per slot.

A Unit held by several gate slots has an edge to each of them, so a shared
Unit visibly fans out. DOT and Mermaid need nothing installed; SVG and PNG
run Graphviz's `dot`, whose layout gets slow past a few thousand nodes.

\b
Examples:
  bpcli graph circuits/neuron.txt | dot -Tsvg > neuron.svg
  bpcli graph --format svg --values -o neuron.svg circuits/neuron.txt
  bpcli graph --format mermaid circuits/fanout.txt
"""),
    "export": N_("""\
A standalone Python script, in the guide's style, that computes the same.

A Unit class, one class per gate type with forward() and backward(), the
inputs, a forward() function, the backward calls in reverse order (each
commented with the Units it writes), the update and the second forward
pass. It prints the first output, every input's gradient and the final
output at full precision, and which slots hold the very same Unit. Run it,
or step through it in your own debugger.

\b
Examples:
  bpcli export circuits/neuron.txt -o neuron.py && python neuron.py
  bpcli export circuits/fanout.txt | python -
"""),
    "expand": N_("""\
The circuit as a `gates:` file: how `expr:` formulas become gates.

`s = sigmoid(a*x + b*y + c)` becomes the guide's neuron, gate for gate:
mulg0, mulg1, addg0, addg1, sg0. Its output is itself a circuit file.

\b
Examples:
  bpcli expand circuits/neuron_expr.txt
  bpcli expand circuits/neuron_expr.txt > neuron_gates.txt
"""),
    "validate": N_("""\
Parse and check FILE without running it: exit 0, or 1 with the error(s).

\b
Examples:
  bpcli validate circuits/neuron.txt
  bpcli validate --all-errors my_circuit.txt
"""),
    "gates": N_("""\
The gates a circuit may use, with their local derivatives.

Backward always adds: u.grad += local × utop.grad.

\b
Examples:
  bpcli gates
  bpcli gates --format json | jq -r '.[].op'
"""),
    "mistakes": N_("""\
The classic mistakes `run --mistake NAME` replays, with what each one breaks.

\b
Examples:
  bpcli mistakes
  bpcli run --mistake assign circuits/fanout.txt
  bpcli run -n 5 --mistake no-zero-grad --format json circuits/neuron.txt \\
    | jq .mistake
"""),
}


def help_for(command: str) -> str:
    """A command's help in the reader's language (the texts above are marked
    with N_; translated here, where the command is defined)."""
    from ..i18n import _

    return _(HELP[command])
