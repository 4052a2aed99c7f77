"""TSL1xx: an entry point draws random numbers from an RNG it never seeds.

One rule per ``tslNNN_<name>.py`` module; ``_shared`` holds what several of them use.
"""
