"""The edge to the operating system: every file bpcli reads (``reads``) or
writes (``files``), Ctrl-C and SIGTERM held while the output is written
(``signals``), the terminal's width and colour and Windows' console
(``terminal``), and Graphviz's `dot` run as a program (``graphviz``).
It may import `core/` and `i18n/`.

What differs between systems is handled here, once, so the rooms above it
ask for a file or a width and never for a system call (Windows too: no
owner to keep, no ``fchmod``, the console's own codes).
"""
