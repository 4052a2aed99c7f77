"""Building and applying text edits: the fixes rules attach to their diagnostics."""
