"""Build tooling: `make synth` (synth.py) and `make bench` (bench.py, with its anchor toolchain)."""
