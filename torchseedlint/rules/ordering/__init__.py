"""TSL4xx: ordering — directory listings, set iteration and hash() that vary between runs.

One rule per ``tslNNN_<name>.py`` module; ``_shared`` holds what several of them use.
"""
