"""Drawing a technique preview with matplotlib (Agg, no pyplot state): a curve against its
axis (SAXS: log-log with the Guinier region shaded; spectroscopy: the edge marked), or an image
with its axes' ticks and a colour bar (tomography in grey). Every picture is PREVIEW_SIZE."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import numpy as np

from .nexus_plot import PlotData

PREVIEW_SIZE = (480, 320)  # pixels of every technique's picture
# The techniques a preview knows (catalogue.technique_previews tells them apart).
SAXS, MX, TOMOGRAPHY, SPECTROSCOPY, DIFFRACTION, OTHER = (
    "saxs",
    "mx",
    "tomography",
    "spectroscopy",
    "diffraction",
    "other",
)


@dataclass
class Drawn:
    """What a preview shows, for captions and tests (what was drawn, not how)."""

    technique: str
    shape: tuple[int, ...]  # the signal's shape in the file
    kind: str = "line"  # line or image
    frame: int | None = None  # the index shown of a stack's first dimension
    log_log: bool = False
    guinier: tuple[float, float] | None = None  # the q range shaded
    edge: float | None = None  # where the edge line is, in the energy axis' units
    labels: list[str] = field(default_factory=list)


def render(
    plot: PlotData,
    *,
    technique: str,
    guinier: tuple[float, float, float] | None = None,
    edge: tuple[float, str] | None = None,
) -> tuple[bytes, Drawn]:
    """The PNG (exactly PREVIEW_SIZE) and what it shows."""
    import matplotlib  # imported late: slow to import, and only the worker draws
    from matplotlib.figure import Figure  # Agg canvas, no pyplot global state

    width, height = PREVIEW_SIZE
    drawn = Drawn(technique=technique, shape=plot.shape, frame=plot.frame)
    with matplotlib.rc_context({"font.size": 8, "axes.titlesize": 9}):
        figure = Figure(figsize=(width / 100, height / 100), dpi=100, layout="constrained")
        axes = figure.add_subplot()
        if plot.signal.ndim == 1:
            _curve(axes, plot, drawn, technique=technique, guinier=guinier, edge=edge)
        else:
            _image(figure, axes, plot, drawn, technique=technique)
        title = plot.title
        if plot.frame is not None:
            title += f"  (frame {plot.frame + 1} of {plot.shape[0]})"
        # Over the whole figure: an image's axes may be narrower than its title.
        figure.suptitle(title, x=0.02, ha="left", fontsize=9)
        out = io.BytesIO()
        figure.savefig(out, format="png", dpi=100)
    return out.getvalue(), drawn


def _curve(axes, plot: PlotData, drawn: Drawn, *, technique, guinier, edge) -> None:
    y = plot.signal
    x = plot.axes[0] if plot.axes[0] is not None else np.arange(y.size, dtype=np.float64)
    log_log = technique == SAXS and plot.axes[0] is not None
    if log_log:
        keep = (x > 0) & (y > 0)
        x, y = x[keep], y[keep]
        axes.set_xscale("log")
        axes.set_yscale("log")
        drawn.log_log = True
    axes.plot(x, y, color="#0b5ed7", linewidth=1.1, label=plot.signal_label)
    drawn.labels.append(plot.signal_label)
    for name, values in plot.auxiliary:
        axes.plot(x, values, color="#adb5bd", linewidth=1.0, label=name)
        drawn.labels.append(name)
    if guinier:
        low, high, rg_nm = guinier
        axes.axvspan(
            low, high, color="#fd7e14", alpha=0.22, label=f"Guinier q·Rg < 1.3, Rg {rg_nm:.2f} nm"
        )
        drawn.guinier = (low, high)
    if edge:
        position, label = edge
        axes.axvline(position, color="#dc3545", linestyle="--", linewidth=1, label=label)
        drawn.edge = position
    axes.set_xlabel(plot.axis_labels[0])
    axes.set_ylabel(plot.signal_label)
    axes.grid(alpha=0.3, which="both" if log_log else "major")
    if not log_log:
        axes.margins(x=0)
    if guinier or edge or plot.auxiliary:
        axes.legend(loc="best", fontsize=7, frameon=False)


def _image(figure, axes, plot: PlotData, drawn: Drawn, *, technique: str) -> None:
    data = plot.signal
    if plot.integer and np.nanmin(data) >= 0:  # detector counts: Bragg spots and rings show
        data = np.log1p(data)
    finite = data[np.isfinite(data)]
    low, high = np.percentile(finite, [0.5, 99.5]) if finite.size else (0.0, 1.0)
    y, x = plot.axes
    rows, columns = plot.shape[-2:]
    if x is not None and y is not None:
        extent, origin = (x[0], x[-1], y[0], y[-1]), "lower"
    else:  # detector pixels: row 0 at the top, as the detector's own viewers show it
        extent, origin = (0, columns, rows, 0), "upper"
    width, height = abs(extent[1] - extent[0]), abs(extent[3] - extent[2])
    ratio = width / height if height else 1
    same_units = plot.axis_units[0] == plot.axis_units[1]
    image = axes.imshow(
        data,
        cmap="gray" if technique == TOMOGRAPHY else "viridis",
        vmin=low,
        vmax=high if high > low else low + 1,
        extent=extent,
        origin=origin,
        interpolation="nearest",
        aspect="equal" if same_units and 0.5 < ratio < 2 else "auto",
    )
    axes.set_xlabel(plot.axis_labels[1])
    axes.set_ylabel(plot.axis_labels[0])
    scale = "log(1 + counts)" if data is not plot.signal else plot.signal_label
    figure.colorbar(image, ax=axes, shrink=0.9, label=scale)
    drawn.kind = "image"
    drawn.labels.append(plot.signal_label)
