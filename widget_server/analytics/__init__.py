"""The brand's measure of its product requests: the metrics survey after each
collaboration, and the analytics page (figures over a period, SVG charts, CSV)."""
