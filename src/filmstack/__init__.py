"""filmstack: record the layer stacks a thin-film lab intends to grow."""

__version__ = "0.1.0"
