"""Small PNG renderers for the demo files: detector images, 1D plots and a crystal snapshot.

Pillow only (no pyplot figures), because the demo draws a few hundred of them and must stay fast.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
from matplotlib import colormaps
from PIL import Image, ImageDraw, ImageFont

# DejaVu ships with matplotlib, so Å, θ and ² render on any machine.
FONT = ImageFont.truetype(str(Path(matplotlib.get_data_path()) / "fonts/ttf/DejaVuSans.ttf"), 11)
INK = (33, 37, 41)
GRID = (222, 226, 230)
LINE_COLOURS = [(13, 110, 253), (220, 53, 69), (25, 135, 84), (253, 126, 20)]


def image_png(
    array: np.ndarray, path: Path, *, log: bool = True, cmap: str = "viridis", size: int = 256
) -> None:
    """A 2D array as a false-colour image (log scale for detector counts)."""
    data = np.asarray(array, dtype=np.float64)
    if log:
        data = np.log1p(np.clip(data, 0, None))
    low, high = np.percentile(data, [1, 99.7])
    scaled = np.clip((data - low) / max(high - low, 1e-12), 0, 1)
    rgba = colormaps[cmap](scaled, bytes=True)
    image = Image.fromarray(rgba[..., :3], "RGB")
    ratio = size / max(image.size)
    image = image.resize((round(image.width * ratio), round(image.height * ratio)), Image.BILINEAR)
    image.save(path, compress_level=2)


def plot_png(
    x: np.ndarray,
    ys: list[np.ndarray],
    path: Path,
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    logy: bool = False,
    width: int = 520,
    height: int = 340,
) -> None:
    """A line plot with a frame, a few labelled ticks and a title."""
    left, right, top, bottom = 70, 30, 30, 44
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    x = np.asarray(x, dtype=np.float64)
    ys = [np.asarray(y, dtype=np.float64) for y in ys]
    if logy:
        ys = [np.log10(np.clip(y, 1e-6, None)) for y in ys]
    y_low = min(float(y.min()) for y in ys)
    y_high = max(float(y.max()) for y in ys)
    y_pad = (y_high - y_low) * 0.05 or 1.0
    y_low, y_high = y_low - y_pad, y_high + y_pad
    x_low, x_high = float(x.min()), float(x.max())
    plot_w, plot_h = width - left - right, height - top - bottom

    def to_px(xv: np.ndarray, yv: np.ndarray) -> list[tuple[float, float]]:
        px = left + (xv - x_low) / (x_high - x_low) * plot_w
        py = top + (1 - (yv - y_low) / (y_high - y_low)) * plot_h
        return list(zip(px.tolist(), py.tolist(), strict=True))

    for fraction in np.linspace(0, 1, 5):
        gx = left + fraction * plot_w
        gy = top + fraction * plot_h
        draw.line([(gx, top), (gx, top + plot_h)], fill=GRID)
        draw.line([(left, gy), (left + plot_w, gy)], fill=GRID)
        x_value = x_low + fraction * (x_high - x_low)
        y_value = y_high - fraction * (y_high - y_low)
        draw.text((gx, top + plot_h + 6), f"{x_value:.5g}", fill=INK, font=FONT, anchor="mt")
        y_label = f"1e{y_value:.1f}" if logy else f"{y_value:.3g}"
        draw.text((left - 6, gy), y_label, fill=INK, font=FONT, anchor="rm")
    for index, y in enumerate(ys):
        draw.line(to_px(x, y), fill=LINE_COLOURS[index % len(LINE_COLOURS)], width=2)
    draw.rectangle([left, top, left + plot_w, top + plot_h], outline=INK)
    draw.text((width / 2, 8), title, fill=INK, font=FONT, anchor="mt")
    draw.text((left + plot_w / 2, height - 6), xlabel, fill=INK, font=FONT, anchor="mb")
    draw.text((4, top - 18), ylabel, fill=INK, font=FONT)
    image.save(path, compress_level=2)


def crystal_snapshot_png(path: Path, *, seed: int, size: tuple[int, int] = (360, 270)) -> None:
    """What the on-axis camera shows: a loop holding a crystal, centred on the beam crosshair."""
    generator = np.random.default_rng(seed)
    width, height = size
    yy, xx = np.mgrid[0:height, 0:width]
    background = 150 + 40 * (xx / width) + generator.normal(0, 2, (height, width))
    rgb = np.stack([background * 0.85, background * 0.92, background], axis=-1)
    image = Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(image)
    cx, cy = width / 2, height / 2
    loop_rx, loop_ry = 70 + generator.integers(0, 30), 55 + generator.integers(0, 20)
    draw.line([(0, cy + 8), (cx - loop_rx, cy)], fill=(70, 60, 50), width=5)  # the pin
    draw.ellipse(
        [cx - loop_rx, cy - loop_ry, cx + loop_rx, cy + loop_ry], outline=(90, 80, 60), width=3
    )
    corners = generator.integers(5, 8)
    angles = np.sort(generator.uniform(0, 2 * np.pi, corners))
    radius = generator.uniform(18, 40)
    crystal = [(cx + radius * np.cos(a) * 1.4, cy + radius * np.sin(a)) for a in angles]
    draw.polygon(crystal, fill=(196, 214, 232), outline=(60, 90, 140))
    draw.line([(cx - 14, cy), (cx + 14, cy)], fill=(220, 30, 30), width=2)
    draw.line([(cx, cy - 14), (cx, cy + 14)], fill=(220, 30, 30), width=2)
    draw.rectangle([cx - 10, cy - 6, cx + 10, cy + 6], outline=(255, 200, 0))  # the beam
    image.save(path, compress_level=2)
