"""The package version alone: the server, the client and the build read it from here."""

__version__ = "0.1.0"
