"""The page: bpcli's own drawing of a circuit (a layered layout, as SVG) and the
trace page (`bpcli trace FILE --html OUT.html`), self-contained: no Graphviz,
no network. It may import `render/`, `core/` and `i18n/`.
"""
