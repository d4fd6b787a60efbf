"""The App Home tab: one page composed of the sections each domain contributes."""
