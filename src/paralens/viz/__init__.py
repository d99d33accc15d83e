"""Pictures: string diagrams of models, learners and arrows, trace graphs, training curves.

A *string diagram* draws a composition the way the category Para reads it: boxes are
layers, the wire through them is the data (left to right), and each layer's parameters
come in from above on a wire of their own, so composing two models puts their parameter
wires side by side. ``diagram`` returns SVG text drawn from the composition tree (the
``kind`` and ``children`` of models, learners and arrows, and the models' ``combinator``
metadata); ``save`` writes SVG or, through matplotlib, PNG. ``trace_graph`` draws what
the reverse-mode tape records for one call, and ``training_curves`` plots a ``fit``
history. matplotlib is optional: ``pip install paralens[plot]``.

Examples:
    >>> import xml.etree.ElementTree as ET
    >>> from paralens import nn, viz
    >>> svg = viz.diagram(nn.mlp([784, 300, 100, 10]))
    >>> root = ET.fromstring(svg)
    >>> root.tag
    '{http://www.w3.org/2000/svg}svg'
    >>> texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    >>> "tanh_layer(784, 300)" in texts, "p[2]" in texts, "784 → 300" in texts
    (True, True, True)
"""

from paralens.viz._api import diagram, save, trace_graph, training_curves

__all__ = ["diagram", "save", "trace_graph", "training_curves"]
