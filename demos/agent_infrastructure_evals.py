"""Agent infrastructure: tools described by JSON schemas, and agents graded by running tests.

A tool protocol such as MCP lists each tool with a name and a JSON Schema for its arguments;
the server checks every call against that schema before running anything, answering an
unknown tool with a JSON-RPC protocol error and bad arguments with a tool result marked
isError, which the model can read and correct. A SWE-bench-style evaluation grades a coding
agent without any judge: apply its patch to the repository, put the benchmark's own tests
back, and run them in a sandbox. The task counts as resolved only if the tests the real fix
made pass (FAIL_TO_PASS) now pass and the tests that passed before (PASS_TO_PASS) still do.
No language model is needed to check either mechanism.
"""

import json

from demos.harness import Demo

CONCEPTS = ["agent-infrastructure-evals"]

# ---- 1. A tool as a protocol server lists it: a name and a JSON Schema for its input.
TOOLS = {
    "read_lines": {
        "type": "object",
        "properties": {
            "path": {"type": "string"},
            "start": {"type": "integer", "minimum": 1},
            "mode": {"type": "string", "enum": ["text", "hex"]},
        },
        "required": ["path", "start"],
        "additionalProperties": False,
    }
}
TYPES = {"string": str, "integer": int, "object": dict}


def schema_errors(args: object, schema: dict) -> list[str]:
    """The subset of JSON Schema a tool's input needs: type, required, properties, enum, ..."""
    if not isinstance(args, TYPES[schema["type"]]) or isinstance(args, bool):
        return [f"expected {schema['type']}"]
    errors = []
    if schema["type"] == "object":
        errors += [f"missing {k}" for k in schema.get("required", []) if k not in args]
        for key, value in args.items():
            if key not in schema["properties"]:
                if schema.get("additionalProperties") is False:
                    errors.append(f"unexpected {key}")
                continue
            errors += [f"{key}: {e}" for e in schema_errors(value, schema["properties"][key])]
    if "enum" in schema and args not in schema["enum"]:
        errors.append(f"not one of {schema['enum']}")
    if "minimum" in schema and args < schema["minimum"]:
        errors.append(f"below {schema['minimum']}")
    return errors


def call_tool(request: str) -> dict:
    """A server's handling of a JSON-RPC tools/call request, before any tool code runs."""
    msg = json.loads(request)
    name, args = msg["params"]["name"], msg["params"].get("arguments", {})
    if name not in TOOLS:  # protocol error: the model asked for something that does not exist
        return {"jsonrpc": "2.0", "id": msg["id"], "error": {"code": -32602, "message": name}}
    errors = schema_errors(args, TOOLS[name])
    text = "; ".join(errors) if errors else f"read {args['path']} from line {args['start']}"
    content = [{"type": "text", "text": text}]
    return {
        "jsonrpc": "2.0",
        "id": msg["id"],
        "result": {"content": content, "isError": bool(errors)},
    }


CALLS = [  # (arguments, valid?)
    ({"path": "a.py", "start": 1}, True),
    ({"path": "a.py", "start": 3, "mode": "hex"}, True),
    ({"path": "a.py"}, False),  # missing required
    ({"path": "a.py", "start": 0}, False),  # below minimum
    ({"path": "a.py", "start": "3"}, False),  # wrong type
    ({"path": "a.py", "start": True}, False),  # a bool is not an integer in JSON Schema
    ({"path": "a.py", "start": 2, "mode": "binary"}, False),  # not in enum
    ({"path": "a.py", "start": 2, "sudo": True}, False),  # additionalProperties: false
    ({"path": 7, "start": 2}, False),
    ("a.py", False),
]


# ---- 2. A SWE-bench-style task: a repository at the commit, and the benchmark's tests.
REPO = {
    "stats.py": (
        "def mean(xs):\n    return sum(xs) / (len(xs) + 1)\n\n"  # the reported bug
        "def median(xs):\n    s = sorted(xs)\n    return s[len(s) // 2]\n"
    )
}
TESTS = {
    "test_stats.py": (
        "def test_mean():\n    assert mean([1, 2, 3]) == 2\n\n"
        "def test_median():\n    assert median([3, 1, 2]) == 2\n\n"
        "def test_median_one():\n    assert median([5]) == 5\n"
    )
}
FAIL_TO_PASS, PASS_TO_PASS = ["test_mean"], ["test_median", "test_median_one"]
FIX = ("(len(xs) + 1)", "len(xs)")
PATCHES = {  # each a list of edits: (file, old text, new text)
    "gold fix": [("stats.py", *FIX)],
    "fix that breaks median": [("stats.py", *FIX), ("stats.py", "len(s) // 2", "0")],
    "empty patch": [],
    "wrong fix": [("stats.py", "(len(xs) + 1)", "(len(xs) - 1)")],
    "rewrites the test instead": [("test_stats.py", "mean([1, 2, 3]) ==", "mean([1, 2, 3]) !=")],
    "does not apply": [("stats.py", "return sum(xs) / n", "return 0")],
}
SAFE_BUILTINS = {"sorted": sorted, "sum": sum, "len": len, "AssertionError": AssertionError}


def run_tests(files: dict[str, str]) -> dict[str, bool]:
    """Run every test in a fresh namespace with a few builtins only: no files, no imports."""
    namespace = {"__builtins__": SAFE_BUILTINS}
    exec("\n".join(files.values()), namespace)
    results = {}
    for name in [n for n in namespace if n.startswith("test_")]:
        try:
            namespace[name]()
            results[name] = True
        except (AssertionError, NameError, TypeError, ZeroDivisionError, IndexError):
            results[name] = False
    return results


def evaluate(patch: list[tuple[str, str, str]], trust_patched_tests: bool = False) -> dict:
    files = {**REPO, **TESTS}
    for path, old, new in patch:
        if old not in files[path]:
            return {"applied": False, "resolved": False}
        files[path] = files[path].replace(old, new, 1)
    if not trust_patched_tests:
        files.update(TESTS)  # the benchmark's tests, not whatever the patch left there
    results = run_tests(files)
    f2p = [results[t] for t in FAIL_TO_PASS]
    p2p = [results[t] for t in PASS_TO_PASS]
    return {"applied": True, "resolved": all(f2p) and all(p2p), "f2p": f2p, "p2p": p2p}


def evaluate_f2p_only(patch: list[tuple[str, str, str]]) -> dict:
    """A harness that forgets regressions: it checks FAIL_TO_PASS only."""
    report = evaluate(patch)
    return report | {"resolved": report["applied"] and all(report["f2p"])}


def run(demo: Demo) -> None:
    # Schema validation decides every call the way JSON Schema does.
    verdicts = [int(not schema_errors(args, TOOLS["read_lines"])) for args, _ in CALLS]
    labels = [int(ok) for _, ok in CALLS]
    valid = demo.equal("the schema check accepts exactly the 2 valid calls of 10", verdicts, labels)
    parses = [int(isinstance(args, dict) and "path" in args) for args, _ in CALLS]
    valid.broken("'it parses and names a path' lets bad calls through", parses)

    # The two error channels: protocol error for an unknown tool, isError for bad arguments.
    def request(name: str, args: object) -> str:
        params = {"name": name, "arguments": args}
        return json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": params})

    replies = [
        call_tool(request("read_lines", {"path": "a.py", "start": 2})),
        call_tool(request("read_lines", {"path": "a.py", "start": 0})),
        call_tool(request("delete_repo", {})),
    ]
    demo.equal(
        "valid call -> result; bad arguments -> result with isError; unknown tool -> -32602",
        [int(r.get("result", {}).get("isError", -1)) for r in replies[:2]]
        + [replies[2]["error"]["code"]],
        [0, 1, -32602],
    )

    # The harness: the bug is real (the F2P test fails before any patch, P2P tests pass).
    before = run_tests({**REPO, **TESTS})
    demo.equal(
        "before the fix: test_mean fails, the median tests pass",
        [int(before[t]) for t in FAIL_TO_PASS + PASS_TO_PASS],
        [0, 1, 1],
    )
    resolved = [int(evaluate(p)["resolved"]) for p in PATCHES.values()]
    verdict = demo.equal(
        "only the gold fix is resolved (regression, empty, wrong, test edit, unapplied: not)",
        resolved,
        [1, 0, 0, 0, 0, 0],
    )
    verdict.broken(
        "a harness that checks FAIL_TO_PASS only passes the regression",
        [int(evaluate_f2p_only(p)["resolved"]) for p in PATCHES.values()],
    )
    verdict.broken(
        "a harness that runs the patched tests passes the test edit",
        [int(evaluate(p, trust_patched_tests=True)["resolved"]) for p in PATCHES.values()],
    )

    # The sandbox: code under test cannot reach files or modules.
    escaped = run_tests({"t.py": "def test_escape():\n    open('/etc/passwd')\n"})
    demo.equal("sandboxed code cannot call open()", int(escaped["test_escape"]), 0)


# One-line breaks of the concepts that the checks above must catch.
MUTATIONS = [
    (
        "resolved ignores PASS_TO_PASS",
        'return {"applied": True, "resolved": all(f2p) and all(p2p), "f2p": f2p, "p2p": p2p}',
        'return {"applied": True, "resolved": all(f2p), "f2p": f2p, "p2p": p2p}',
    ),
    (
        "the harness keeps whatever tests the patch left",
        "files.update(TESTS)  # the benchmark's tests, not whatever the patch left there",
        "pass",
    ),
    (
        "the validator skips enum",
        'if "enum" in schema and args not in schema["enum"]:',
        "if False:",
    ),
]
