"""Workflows vs agents: per-step errors compound, and fixed paths can be checked where loops cannot.

In a workflow the code fixes the sequence of LLM calls; in an agent the model picks each
next step. At 95% per step, a ten-step agent run succeeds only 0.95^10 = 60% of the time.
A workflow that knows what each step must produce can test it and retry, so it stays
reliable, but only on the tasks its code paths cover: autonomy pays off once enough tasks
fall outside them. Agents also take a different path on every run, which makes them costly
to test.
"""

import math

import torch

from demos.harness import Demo

CONCEPTS = ["workflows-vs-agents"]

STEPS, P_STEP, RUNS = 10, 0.95, 20000


def run(demo: Demo) -> None:
    # Agent: every step must succeed; one slip derails the run.
    agent_ok = (demo.rand(RUNS, STEPS, seed=0) < P_STEP).all(1).double().mean()
    exact = P_STEP**STEPS
    sigma = math.sqrt(exact * (1 - exact) / RUNS)
    demo.close(
        "a 10-step run at 95% per step succeeds 0.95^10 = 0.599 of the time",
        agent_ok,
        exact,
        atol=5 * sigma,
    )
    # Negative control: reading the per-step rate as the run's success rate.
    demo.close(
        "the run succeeds 95% of the time, like each step",
        agent_ok,
        P_STEP,
        atol=5 * sigma,
        negative=True,
    )

    # Workflow: same steps, but after each one the code checks the output (it knows
    # what the step must produce) and retries up to twice.
    tries = demo.rand(RUNS, STEPS, 3, seed=1) < P_STEP
    flow_ok = tries.any(2).all(1).double().mean()
    flow_exact = (1 - (1 - P_STEP) ** 3) ** STEPS
    demo.close(
        "a gated workflow with two retries succeeds (1 - 0.05^3)^10 = 0.999",
        flow_ok,
        flow_exact,
        atol=5 * math.sqrt(flow_exact * (1 - flow_exact) / RUNS) + 1e-4,
    )

    # Novel tasks have no code path: the workflow's router has nowhere to send them,
    # while the agent attempts them like any other.
    flow_each = tries.any(2).all(1)
    for share, sign, words in (
        (0.1, 1, "workflow beats the agent"),
        (0.7, -1, "agent beats the workflow"),
    ):
        novel = demo.rand(RUNS, seed=10 + int(share * 10)) < share
        flow = (flow_each & ~novel).double().mean()
        demo.at_least(
            f"with {share:.0%} novel tasks the {words} by 0.15+", sign * (flow - agent_ok), 0.15
        )

    # Testing: a workflow calls the same tools in the same order every time. The agent
    # picks its next tool itself: right 90% of the time, otherwise a detour to one of two
    # other tools that costs a call, so its call sequences differ from run to run.
    detour = demo.rand(1000, 40, seed=3) < 0.1
    tool = torch.where(detour, demo.randint(2, 1000, 40, seed=4) + 1, 0)
    length = ((~detour).cumsum(1) < STEPS).sum(1) + 1  # calls until the 10th real step
    paths = {tuple(t[:n].tolist()) for t, n in zip(tool, length.tolist(), strict=True)}
    demo.at_least("1000 agent runs take over 100 different call sequences", len(paths), 100)
    demo.close(
        "an agent run makes 10 / 0.9 = 11.1 calls on average",
        length.double().mean(),
        STEPS / 0.9,
        atol=0.2,
    )
