"""The operator's command line, ``osallistu``: server data folders, terminals, bundles, demo."""

__all__: list[str] = []
