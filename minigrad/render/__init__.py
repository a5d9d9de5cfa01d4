"""Pictures of the recorded graph: DOT text, Graphviz digraphs, gradient norms.

    dot_text = mg.to_dot(loss, params=model)            # no dependency
    mg.draw_graph(loss, params=model, group="timestep")  # a graphviz.Digraph

    with mg.record_grad_norms():
        loss.backward()
    mg.draw_graph(loss, show_grads=True)                 # nodes coloured by ‖grad‖
    mg.step_grad_norms(loss)                             # ‖∂L/∂a<t>‖ per layer and step

See docs/rendering.md.
"""
from .dot import GraphvizNotFoundError, draw_graph, to_dot
from .norms import record_grad_norms, step_grad_norms

__all__ = ["GraphvizNotFoundError", "draw_graph", "record_grad_norms",
           "step_grad_norms", "to_dot"]
