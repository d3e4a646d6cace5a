"""The watcher's start: ``python boot.py CONFIG SCRIPT ARGS…``, run by bpcli
in the interpreter the learner would use.

It loads the watcher's own modules under a private name (``_bpcli_watch``)
without putting their folder on ``sys.path``, then runs the script as
``python SCRIPT ARGS`` would: in the ``__main__`` module, ``sys.argv[0]``
as typed, the script's folder first on ``sys.path`` where Python put the
watcher's, the script's own ``__file__`` and loader. Whatever the script
does after that is its own: its exit status, its ``atexit``, its threads,
signals and forks. An exception it does not catch is printed by its own
``sys.excepthook`` as Python prints it, without the watcher's frames.
"""

import os
import sys


def main() -> None:
    import builtins
    import importlib.machinery
    import importlib.util
    import json

    here = os.path.dirname(os.path.abspath(__file__))
    config = json.loads(sys.argv[1])
    script, args = sys.argv[2], sys.argv[3:]
    spec = importlib.util.spec_from_file_location(
        "_bpcli_watch", os.path.join(here, "__init__.py"), submodule_search_locations=[here]
    )
    package = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules["_bpcli_watch"] = package
    spec.loader.exec_module(package)  # type: ignore[union-attr]
    session = importlib.import_module("_bpcli_watch.session")
    watcher = session.Watcher(config, here)

    path = script if os.path.isabs(script) else os.path.join(os.getcwd(), script)  # as python
    if sys.path and os.path.abspath(sys.path[0]) == here:
        sys.path[0] = os.path.dirname(os.path.realpath(script))  # as python puts it
    sys.argv = [script, *args]
    if hasattr(sys, "orig_argv"):  # 3.10+: the command line as if python had been given the script
        sys.orig_argv = [sys.orig_argv[0], script, *args]  # novm: only where it is
    main_module = sys.modules["__main__"]
    namespace = main_module.__dict__
    namespace.clear()
    namespace.update(
        __name__="__main__",
        __doc__=None,
        __package__=None,
        __loader__=importlib.machinery.SourceFileLoader("__main__", path),
        __spec__=None,
        __file__=path,
        __cached__=None,
        __builtins__=builtins,
    )
    watcher.run(path, namespace)


main()
