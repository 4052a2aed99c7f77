"""TSL001: suppression comments that suppress nothing.

One rule per ``tslNNN_<name>.py`` module.
"""
