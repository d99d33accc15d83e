"""Test-suite settings: hypothesis runs derandomized, so every run tests the same examples.

Set ``HYPOTHESIS_PROFILE=explore`` to search with fresh random examples instead.
"""

import os

from hypothesis import settings

settings.register_profile("paralens", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "paralens"))
