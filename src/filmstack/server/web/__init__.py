"""The browser UI, served from the same server as the API; its assets ship in the package."""
