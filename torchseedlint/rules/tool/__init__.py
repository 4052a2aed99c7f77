"""TSL0xx: diagnostics about the linted file itself rather than its code.

One rule per ``tslNNN_<name>.py`` module.
"""
