"""PyTorch demos, one per concept, and the runner that verifies them (issue 6)."""
