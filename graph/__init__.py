"""The knowledge graph: load and validate the YAML into typed records and one DiGraph."""

from graph.diagnostics import Diagnostic, GraphError, Location, Severity
from graph.knowledge import GraphSummary, KnowledgeGraph
from graph.loader import LoadResult, check, load_graph, resolve_data_dir

__all__ = [
    "Diagnostic",
    "GraphError",
    "GraphSummary",
    "KnowledgeGraph",
    "LoadResult",
    "Location",
    "Severity",
    "check",
    "load_graph",
    "resolve_data_dir",
]
