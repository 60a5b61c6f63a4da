"""The CLIP model: which weights (`weights`), loading and encoding (`encoders`).

This package is the only code that imports torch or open_clip (through `library`).
"""
