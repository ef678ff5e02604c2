"""Charts for benchmark reports as inline SVG strings, drawn with matplotlib's SVG backend.

matplotlib is imported lazily, and only ``Figure`` is used (no pyplot, no global backend), so
this is safe in servers and worker threads. Text stays text in the SVG (``svg.fonttype=none``).
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any

_PALETTE = ("#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#be185d", "#4d7c0f")


def _svg(fig: Any) -> str:
    buffer = io.StringIO()
    fig.savefig(
        buffer,
        format="svg",
        bbox_inches="tight",
        metadata={"Creator": None, "Date": None, "Format": None, "Type": None},
    )
    svg = buffer.getvalue()
    return svg[svg.index("<svg") :]  # drop the XML prolog and DOCTYPE: the SVG is inlined in HTML


def _figure(height: float) -> tuple[Any, Any]:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.5, height), layout="constrained")
    return fig, fig.add_subplot()


def _render(draw: Any, height: float) -> str:
    import matplotlib

    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "ocrops", "font.size": 9}):
        fig, ax = _figure(height)
        draw(ax)
        return _svg(fig)


def boxplot_svg(series: dict[str, Sequence[float]], *, xlabel: str, title: str, log: bool = False) -> str:
    """Horizontal box plots, one per label (empty series are left out)."""
    data = {label: list(values) for label, values in series.items() if values}
    if not data:
        return ""

    def draw(ax: Any) -> None:
        labels = list(data)
        parts = ax.boxplot(
            [data[label] for label in labels],
            orientation="horizontal",
            tick_labels=labels,
            patch_artist=True,
            showfliers=True,
            flierprops={"markersize": 3},
        )
        for index, box in enumerate(parts["boxes"]):
            box.set_facecolor(_PALETTE[index % len(_PALETTE)] + "55")
        ax.invert_yaxis()
        if log and min(min(v) for v in data.values()) > 0:
            ax.set_xscale("log")
        ax.set_xlabel(xlabel)
        ax.set_title(title)
        ax.grid(axis="x", alpha=0.3)

    return _render(draw, 0.9 + 0.45 * len(data))


def scatter_svg(points: Sequence[tuple[str, float, float]], *, xlabel: str, ylabel: str, title: str) -> str:
    """Labelled points ``(label, x, y)``."""
    if not points:
        return ""

    def draw(ax: Any) -> None:
        for index, (label, x, y) in enumerate(points):
            ax.scatter([x], [y], color=_PALETTE[index % len(_PALETTE)], s=40, zorder=3)
            ax.annotate(label, (x, y), textcoords="offset points", xytext=(6, 4))
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        ax.grid(alpha=0.3)
        ax.margins(0.2)

    return _render(draw, 3.6)


def prefix_ids(svg: str, prefix: str) -> str:
    """Prefix the SVG's ids (and references to them) so several inline charts never clash."""
    return re.sub(r'(id="|url\(#|href="#)([^"\)]+)', lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", svg)
