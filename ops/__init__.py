"""Operator commands: each acts on a cloud, the repository or CI (`python -m ops.<name> --help`)."""
