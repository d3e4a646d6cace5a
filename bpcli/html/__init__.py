"""bpcli's own drawing of a circuit (a layered layout, as SVG) and the trace
page (`bpcli trace FILE --html OUT.html`): no Graphviz, no network."""
