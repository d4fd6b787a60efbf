"""Charts the reports carry (PNG, drawn with matplotlib's Agg backend, labelled with Babel in the
reader's language, in a palette colour-blind readers can tell apart, with alt text).

`series.py` holds the plain data the domains fill; `draw.py` draws. matplotlib is imported only
inside the drawing functions, so the web process and the CLI start without it.
"""
