"""TSL3xx: GPU determinism — cuDNN and deterministic-algorithm flags.

No GPU was available where these rules were written: every claim about CUDA
behaviour below comes from PyTorch's documentation and source (cited in each
rule) and could not be shown on CPU here.

One rule per ``tslNNN_<name>.py`` module; ``_shared`` holds what several of them use.
"""
