"""Draw the StrandRisk icons with Pillow: the app icon and the .strandrisk project-file icon.

The app icon is a rounded NHS-blue tile with three rising bars (the years of a projection) and a
falling white line crossing them (cost left stranded as activity moves out). The project-file icon is
the same mark on a white page with a folded corner. Drawn at 1024 px and scaled down so every size in
the .ico is smooth. Run: python tools/make_icon.py  (writes resources/icons/).
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

NHS_BLUE = (0, 94, 184)
NHS_DARK_BLUE = (0, 48, 135)
NHS_LIGHT_BLUE = (65, 182, 230)
WHITE = (255, 255, 255)
ICO_SIZES = [(16, 16), (20, 20), (24, 24), (32, 32), (40, 40), (48, 48), (64, 64), (128, 128), (256, 256)]
OUT = Path(__file__).resolve().parents[1] / "resources" / "icons"
CANVAS = 1024


def _mark(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], bar: tuple, line: tuple) -> None:
    """Three rising bars and a falling line inside box (left, top, right, bottom)."""
    left, top, right, bottom = box
    width, height = right - left, bottom - top
    bar_w = width * 0.22
    gap = (width - 3 * bar_w) / 2
    for i, frac in enumerate((0.45, 0.68, 0.92)):
        x0 = left + i * (bar_w + gap)
        y0 = bottom - height * frac
        draw.rounded_rectangle((x0, y0, x0 + bar_w, bottom), radius=bar_w * 0.18, fill=bar)
    stroke = max(2, int(width * 0.075))
    points = [(left - width * 0.02, top + height * 0.12), (left + width * 0.45, top + height * 0.42),
              (right + width * 0.02, top + height * 0.78)]
    draw.line(points, fill=line, width=stroke, joint="curve")
    r = stroke * 0.95
    for x, y in (points[0], points[-1]):
        draw.ellipse((x - r, y - r, x + r, y + r), fill=line)


def app_icon() -> Image.Image:
    img = Image.new("RGBA", (CANVAS, CANVAS), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    pad = CANVAS * 0.04
    draw.rounded_rectangle((pad, pad, CANVAS - pad, CANVAS - pad), radius=CANVAS * 0.2, fill=NHS_BLUE)
    inner = int(CANVAS * 0.22)
    _mark(draw, (inner, inner, CANVAS - inner, CANVAS - inner), bar=NHS_LIGHT_BLUE, line=WHITE)
    return img


def project_icon() -> Image.Image:
    img = Image.new("RGBA", (CANVAS, CANVAS), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    left, top, right, bottom = CANVAS * 0.14, CANVAS * 0.04, CANVAS * 0.86, CANVAS * 0.96
    fold = CANVAS * 0.2
    page = [(left, top), (right - fold, top), (right, top + fold), (right, bottom), (left, bottom)]
    draw.polygon(page, fill=WHITE, outline=NHS_DARK_BLUE, width=int(CANVAS * 0.025))
    draw.polygon([(right - fold, top), (right - fold, top + fold), (right, top + fold)], fill=NHS_LIGHT_BLUE)
    inner = (int(left + CANVAS * 0.1), int(top + CANVAS * 0.3), int(right - CANVAS * 0.1), int(bottom - CANVAS * 0.1))
    _mark(draw, inner, bar=NHS_BLUE, line=NHS_DARK_BLUE)
    return img


def save(img: Image.Image, stem: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    img.resize((256, 256), Image.LANCZOS).save(OUT / f"{stem}.png", optimize=True)
    img.save(OUT / f"{stem}.ico", sizes=ICO_SIZES)


if __name__ == "__main__":
    save(app_icon(), "strandrisk")
    save(project_icon(), "strandrisk-project")
    print(f"Icons written to {OUT}")
