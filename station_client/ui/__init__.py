"""The station's window (customtkinter). See ``docs/station.md`` "The window".

Importing this package imports no Tk: ``viewmodels`` (state and wording of each screen)
are used and tested without a display; the screens import customtkinter themselves.
"""
