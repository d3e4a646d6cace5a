"""bpcli in a notebook: the IPython extension (``%load_ext bpcli``) and its
magics, ``%%bpcli trace`` and ``%%bpcli check`` on a cell, ``%bpcli run`` and
``%bpcli graph`` on a file. A cell runs in the kernel itself, in the
notebook's own namespace, beside the watcher (``script/watch``), while bpcli's
side (the command line, unchanged) runs in a process of its own, joined to the
watcher by two pipes (IPython imported only when the extension is loaded).
It may import `script/watch/` and `i18n/`.
"""
