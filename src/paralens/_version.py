"""The version of paralens, read by the package and by ``paralens --version``."""

__version__ = "0.1.0"
