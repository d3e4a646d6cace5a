"""The watcher: the small part of bpcli that runs inside the learner's own
interpreter, beside their script. It may import nothing of bpcli: only the
standard library, on every Python from 3.9.

It runs the script as ``python SCRIPT.py`` would (``boot``), sees every call
of a watched method and every write to a Unit's value or grad (``hooks``),
knows each object by a small number and tells a new object at an old address
apart (``objects``), sends what it saw to bpcli over a pipe and waits for
bpcli's answer where bpcli pauses (``wire``), and, for ``bpcli check``, runs
the script's forward code again where nothing of the script can see it
(``replay``). It observes and reports; it decides nothing about drawing.
"""
