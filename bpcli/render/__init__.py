"""Renderers: each turns records into text and returns it, never prints: the
tables of `run`, `trace`, `check`, `gates` and `--mistake` (laid out at a
width by ``layout``, coloured by ``console``), JSON and CSV, the progress
bar's line, the graph as DOT or Mermaid (``graph``) and the circuit as a
Python script (``export``). It may import `script/`, `parser/`, `core/` and
`i18n/`.
"""
