"""The command-line tools over the public API: the demo, ``simulate`` and its SVG
timelines.
"""
