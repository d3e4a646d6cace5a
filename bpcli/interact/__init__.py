"""The keyboard and the stepping screen: keys and typed lines from a terminal
or a pipe (``keys``), `trace --step` (``stepper``) and `trace --quiz`
(``quiz``). It may import `system/`, `core/` and `i18n/`.

It shows blocks of text it is handed and waits for keys; what a step says is
drawn by the renderers, and the command line wires the two together.
"""
