"""The quarterly score card: each PI against target, history and benchmarks."""
