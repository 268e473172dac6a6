"""Helpers the test suites share: factories, station homes, window drivers, served processes, dates."""
