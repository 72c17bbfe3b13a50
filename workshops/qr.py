"""The join link as a QR code, drawn as inline SVG (segno): sharp on any projector, no image
request, and nothing the Content-Security-Policy has to allow (no inline style or script)."""

import segno
from django.utils.safestring import SafeString, mark_safe


def qr_svg(url: str, *, label: str) -> SafeString:
    """An <svg role="img"> of the URL, sized by CSS (.app-qr). `label` is its accessible name."""
    code = segno.make(url, error="m")
    svg = code.svg_inline(scale=1, border=4, title=label, svgclass="app-qr", lineclass=None, omitsize=True)
    # segno escapes the title; the URL is encoded in the drawing, never written as text.
    return mark_safe(svg.replace("<svg ", '<svg role="img" focusable="false" ', 1))  # noqa: S308
