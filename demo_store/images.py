"""Generated product illustrations: plain SVG text, no network and no imaging libraries.

Each image is a garment or accessory silhouette in the product's colour on a soft studio
background. Everything is derived from the handle (via crc32, not the salted ``hash()``), so
the same handle always produces byte-identical SVG.
"""

from __future__ import annotations

import zlib

from .catalog import IMAGE_HEIGHT, IMAGE_WIDTH

# Soft backdrops; one is chosen per handle so that pale products still stand out.
_BACKDROPS = ["#f3ede4", "#e9eef2", "#eef0e8", "#f5e9e6", "#ecebf3", "#f1efe9"]

# Silhouettes drawn in a 400 x 500 box (the SVG viewBox). "{c}" is the product colour,
# "{d}" a darker shade for seams and details, "{l}" a lighter one for highlights.
_SHAPES: dict[str, str] = {
    "tee": """
<path d="M150 108 L108 122 L52 168 L84 228 L124 204 L124 404 Q200 414 276 404 L276 204
 L316 228 L348 168 L292 122 L250 108 Q200 146 150 108 Z" fill="{c}"/>
<path d="M150 108 Q200 146 250 108" fill="none" stroke="{d}" stroke-width="6"/>
<path d="M124 204 L124 220 M276 204 L276 220" stroke="{d}" stroke-width="3"/>
<path d="M84 228 L124 204 M316 228 L276 204" stroke="{d}" stroke-width="3" opacity=".5"/>
""",
    "hoodie": """
<path d="M138 132 L100 150 L70 336 L104 342 L126 226 L126 412 Q200 422 274 412 L274 226
 L296 342 L330 336 L300 150 L262 132 Z" fill="{c}"/>
<path d="M146 140 Q140 66 200 64 Q260 66 254 140 Q200 170 146 140 Z" fill="{d}"/>
<path d="M162 138 Q162 92 200 90 Q238 92 238 138 Q200 156 162 138 Z" fill="{c}" opacity=".55"/>
<path d="M186 152 L182 214 M214 152 L218 214" stroke="{l}" stroke-width="4"
 stroke-linecap="round"/>
<path d="M150 320 L250 320 L264 372 L136 372 Z" fill="{d}" opacity=".35"/>
<path d="M126 398 L274 398 M70 328 L104 334 M296 334 L330 328" stroke="{d}" stroke-width="6"/>
""",
    "sweater": """
<path d="M146 112 L104 130 L70 340 L106 346 L128 220 L128 410 Q200 420 272 410 L272 220
 L294 346 L330 340 L296 130 L254 112 Q200 140 146 112 Z" fill="{c}"/>
<path d="M146 112 Q200 140 254 112" fill="none" stroke="{d}" stroke-width="10"/>
<path d="M128 396 L272 396 M72 330 L106 336 M294 336 L328 330" stroke="{d}" stroke-width="10"/>
<path d="M150 180 L250 180 M150 240 L250 240 M150 300 L250 300" stroke="{l}" stroke-width="3"
 stroke-dasharray="4 8" opacity=".7"/>
""",
    "jacket": """
<path d="M142 110 L98 128 L64 344 L100 350 L124 222 L124 414 L276 414 L276 222 L300 350
 L336 344 L302 128 L258 110 L200 150 Z" fill="{c}"/>
<path d="M142 110 L176 186 L200 150 Z M258 110 L224 186 L200 150 Z" fill="{d}"/>
<path d="M200 150 L200 414" stroke="{d}" stroke-width="5"/>
<path d="M142 300 L178 300 M222 300 L258 300" stroke="{d}" stroke-width="5"
 stroke-linecap="round"/>
<circle cx="214" cy="210" r="5" fill="{l}"/><circle cx="214" cy="260" r="5" fill="{l}"/>
<circle cx="214" cy="360" r="5" fill="{l}"/>
""",
    "tote": """
<path d="M152 196 Q152 96 200 96 Q248 96 248 196" fill="none" stroke="{d}" stroke-width="14"
 stroke-linecap="round"/>
<path d="M112 190 L288 190 L300 420 Q200 430 100 420 Z" fill="{c}"/>
<path d="M112 190 L288 190 L289 212 L111 212 Z" fill="{d}" opacity=".25"/>
<rect x="160" y="270" width="80" height="60" rx="6" fill="{l}" opacity=".6"/>
""",
    "backpack": """
<path d="M168 120 Q168 84 200 84 Q232 84 232 120" fill="none" stroke="{d}" stroke-width="12"/>
<rect x="116" y="114" width="168" height="300" rx="48" fill="{c}"/>
<path d="M116 200 Q200 170 284 200" fill="none" stroke="{d}" stroke-width="5"/>
<rect x="146" y="276" width="108" height="100" rx="20" fill="{d}" opacity=".45"/>
<rect x="186" y="296" width="28" height="14" rx="4" fill="{l}"/>
<path d="M132 130 L132 400 M268 130 L268 400" stroke="{d}" stroke-width="4" opacity=".4"/>
""",
    "cap": """
<path d="M106 300 Q104 170 200 166 Q296 170 294 300 Z" fill="{c}"/>
<path d="M106 300 Q64 306 44 334 Q140 346 210 312 Z" fill="{d}"/>
<path d="M200 166 L200 300 M152 176 Q136 230 140 300 M248 176 Q264 230 260 300" fill="none"
 stroke="{d}" stroke-width="3" opacity=".6"/>
<circle cx="200" cy="166" r="9" fill="{d}"/>
""",
    "beanie": """
<path d="M120 310 Q116 160 200 156 Q284 160 280 310 Z" fill="{c}"/>
<rect x="110" y="292" width="180" height="72" rx="14" fill="{d}"/>
<path d="M134 300 L134 356 M158 300 L158 356 M182 300 L182 356 M206 300 L206 356
 M230 300 L230 356 M254 300 L254 356" stroke="{c}" stroke-width="5" opacity=".5"/>
<circle cx="200" cy="146" r="30" fill="{l}"/>
""",
    "scarf": """
<path d="M120 120 Q200 90 280 120 L280 200 Q200 170 120 200 Z" fill="{c}"/>
<path d="M196 180 L252 180 L262 400 L206 400 Z" fill="{c}"/>
<path d="M148 190 L200 186 L178 380 L126 380 Z" fill="{d}"/>
<path d="M210 220 L256 220 M212 260 L258 260 M214 300 L259 300 M215 340 L260 340"
 stroke="{l}" stroke-width="6" opacity=".6"/>
<path d="M130 380 L128 410 M142 380 L141 412 M154 380 L154 410 M166 380 L167 412
 M210 400 L208 430 M222 400 L222 432 M234 400 L235 430 M246 400 L248 432 M258 400 L260 430"
 stroke="{d}" stroke-width="4" stroke-linecap="round"/>
""",
    "socks": """
<path d="M118 110 L178 110 L178 300 L236 350 Q252 380 222 396 L146 396 Q112 390 116 350 Z"
 fill="{c}"/>
<path d="M118 110 L178 110 L178 140 L118 140 Z" fill="{d}"/>
<path d="M212 130 L272 130 L272 320 L330 370 Q346 400 316 416 L240 416 Q206 410 210 370 Z"
 fill="{c}" opacity=".8"/>
<path d="M212 130 L272 130 L272 160 L212 160 Z" fill="{d}" opacity=".8"/>
<path d="M146 396 Q150 372 176 376 M240 416 Q244 392 270 396" fill="none" stroke="{l}"
 stroke-width="6"/>
""",
}


def _mix(hex_colour: str, other: str, amount: float) -> str:
    """Blend ``hex_colour`` towards ``other`` by ``amount`` (0..1)."""
    a = [int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]
    b = [int(other[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * amount):02x}" for x, y in zip(a, b, strict=True))


def product_svg(handle: str, shape: str, colour: str) -> str:
    """Return the SVG document for a product image.

    ``shape`` is one of the keys of ``_SHAPES`` (unknown shapes fall back to a tee) and
    ``colour`` a ``#rrggbb`` string.
    """
    seed = zlib.crc32(handle.encode("utf-8"))
    backdrop = _BACKDROPS[seed % len(_BACKDROPS)]
    dark = _mix(colour, "#000000", 0.28)
    light = _mix(colour, "#ffffff", 0.55)
    body = _SHAPES.get(shape, _SHAPES["tee"]).format(c=colour, d=dark, l=light)
    # A slight per-handle tilt makes a grid of same-kind products look less repetitive.
    tilt = (seed % 7) - 3
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{IMAGE_WIDTH}" height="{IMAGE_HEIGHT}"'
        f' viewBox="0 0 400 500" role="img">'
        "<defs>"
        '<radialGradient id="g" cx="50%" cy="38%" r="70%">'
        f'<stop offset="0" stop-color="#ffffff" stop-opacity=".85"/>'
        f'<stop offset="1" stop-color="{backdrop}"/>'
        "</radialGradient>"
        "</defs>"
        '<rect width="400" height="500" fill="url(#g)"/>'
        f'<ellipse cx="200" cy="446" rx="128" ry="14" fill="{_mix(backdrop, "#000000", 0.12)}"'
        ' opacity=".6"/>'
        f'<g transform="rotate({tilt} 200 260)">{body}</g>'
        "</svg>"
    )
