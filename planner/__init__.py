"""Planner: pure functions from a plan request and the graph to a plan (issue 4)."""
