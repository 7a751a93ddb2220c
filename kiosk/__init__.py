"""The Osallistu terminal: local store, capture, sealing, sync, bundles, enrollment.

The core modules here are plain Python (sqlite-utils, httpx, cryptography) and
never import Kivy; only the GUI (``kiosk.app`` and ``kiosk.screens``) does.
The facade that the GUI and the command line use is :class:`kiosk.terminal.Terminal`.
Importing this package imports nothing heavy; import the modules you need.
"""
