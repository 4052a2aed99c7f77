"""What the code means: facts collected in one walk, the RNG API catalogue, module and project analysis."""
