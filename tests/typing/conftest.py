"""The snippets here are for mypy only: pytest does not import them."""

collect_ignore_glob = ["pass_*.py", "fail_*.py"]
