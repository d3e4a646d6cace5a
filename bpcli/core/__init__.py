"""The model and what happens in it, with no I/O: the gate registry (``gates``),
real Unit and gate objects and their passes (``engine``), the step records of
a trace (``steps``, ``tracer``), central differences (``gradcheck``), the
mistake zoo (``mistakes``), reused addresses (``addresses``) and errors as
values with a location (``errors``). It may import `i18n/`.

Nothing here prints, reads a file, or knows a terminal: the parser makes a
``Circuit``, the renderers draw what it records, the command line drives it.
"""
