"""The command line, the top of the house: the click group (``main``), one
module per command (``commands/``), each option defined once (``options``,
``option_sets``, ``choices``), the help texts (``help_texts``), what each
command shows in which format (``views``), a trace's steps chosen and
numbered (``trace_jobs``), and how every failure ends the process
(``process``). It may import `html/`, `render/`, `script/`, `interact/`,
`parser/`, `system/`, `core/` and `i18n/`.

Nothing below imports it: the library underneath works without click.
"""
