"""Shared vocabulary of every layer: diagnostics and text positions."""
