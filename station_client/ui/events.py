"""Virtual events: how screens and widgets hear about changes without holding each other.

A widget *listens* with :meth:`Bus.listen` (a binding of the virtual event on the
widget itself); the app *broadcasts* by generating the event on every live listener.
A destroyed widget drops out by itself, so no callback ever reaches a dead widget.
The data travels in the app's state (``app.sync``, ``app.session``, ``app.desk``), the
event only says "look again".
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable

SYNC_STATUS = "<<SyncStatus>>"  # app.sync changed (online, counts, last success, last error)
CASES_CHANGED = "<<CasesChanged>>"  # a case was written at this desk or pulled: counts and lists
SESSION_CHANGED = "<<SessionChanged>>"  # login, unlock, switch of clerk
CATALOG_READY = "<<CatalogReady>>"  # the catalog, its search index and the rate tables are loaded


class Bus:
    def __init__(self) -> None:
        self._listeners: dict[str, list[tk.Misc]] = {}

    def listen(self, widget: tk.Misc, event: str, handler: Callable[[tk.Event], object]) -> None:
        tk.Misc.bind(widget, event, handler, "+")  # on the widget itself (CTk forwards bind() inward)
        listeners = self._listeners.setdefault(event, [])
        if widget not in listeners:
            listeners.append(widget)

    def broadcast(self, event: str) -> None:
        alive = []
        for widget in self._listeners.get(event, []):
            try:
                if widget.winfo_exists():
                    alive.append(widget)
            except tk.TclError:
                continue
        self._listeners[event] = alive
        for widget in list(alive):
            try:
                widget.event_generate(event)
            except tk.TclError:  # destroyed by an earlier listener of the same event
                continue
