"""Markov decision processes: a policy's value solves the Bellman equation; returns agree.

An MDP is states, actions, transition probabilities P(s'|s,a), rewards and a discount
gamma. A policy pi(a|s) turns it into a Markov chain with rewards, and the value of a state,
V(s), is the expected discounted return from it: V = r_pi + gamma P_pi V, a linear system.
Q(s,a) is the value of taking a first and following pi after; V(s) = sum_a pi(a|s) Q(s,a),
so the advantage A = Q - V averages to zero under pi (PPO and GRPO push on A's sign).
Replacing the expectation with a max over actions gives value iteration, whose greedy
policy is optimal. The world here is a slippery 4x4 grid with a goal and a pit.
"""

import torch

from demos.harness import Demo

CONCEPTS = ["mdp-value-functions"]

SIZE, GAMMA = 4, 0.9
GOAL, PIT = 3, 7  # top-right corner, and the cell just below it (row-major, row 0 on top)
MOVES = [(-1, 0), (0, 1), (1, 0), (0, -1)]  # up, right, down, left
STEP_COST = -0.04


def gridworld(device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """P[s, a, s'] and R[s, a] = E[r | s, a]. The intended move happens with probability
    0.8, each perpendicular slip with 0.1; walking into the edge leaves you where you are.
    Every step costs 0.04, entering the goal pays +1, the pit -1; both then end the episode
    (they become absorbing states that pay nothing)."""
    S, A = SIZE * SIZE, len(MOVES)
    P = torch.zeros(S, A, S, dtype=torch.float64)
    for s in range(S):
        if s in (GOAL, PIT):
            P[s, :, s] = 1.0
            continue
        row, col = divmod(s, SIZE)
        for a in range(A):
            for move, p in ((a, 0.8), ((a + 1) % 4, 0.1), ((a + 3) % 4, 0.1)):
                r, c = row + MOVES[move][0], col + MOVES[move][1]
                inside = 0 <= r < SIZE and 0 <= c < SIZE
                P[s, a, r * SIZE + c if inside else s] += p
    live = torch.ones(S, dtype=torch.float64)
    live[[GOAL, PIT]] = 0.0
    R = live[:, None] * (STEP_COST + P[:, :, GOAL] - P[:, :, PIT])
    return P.to(device), R.to(device)


def transition_reward(s: torch.Tensor, s_next: torch.Tensor) -> torch.Tensor:
    """The reward of one sampled step, written from the rules rather than from R."""
    live = (s != GOAL) & (s != PIT)
    paid = STEP_COST + (s_next == GOAL).double() - (s_next == PIT).double()
    return torch.where(live, paid, torch.zeros_like(paid))


def evaluate(P: torch.Tensor, R: torch.Tensor, pi: torch.Tensor, sweeps: int = 400) -> torch.Tensor:
    """Iterative policy evaluation: apply the Bellman expectation backup until it settles."""
    V = torch.zeros(P.shape[0], dtype=P.dtype, device=P.device)
    for _ in range(sweeps):
        V = (pi * (R + GAMMA * P @ V)).sum(-1)  # sum_a pi(a|s) [R(s,a) + gamma E_s'[V(s')]]
    return V


def solve(P: torch.Tensor, R: torch.Tensor, pi: torch.Tensor) -> torch.Tensor:
    """The exact value: (I - gamma P_pi) V = r_pi, one linear solve."""
    P_pi = torch.einsum("sa,sat->st", pi, P)
    r_pi = (pi * R).sum(-1)
    eye = torch.eye(P.shape[0], dtype=P.dtype, device=P.device)
    return torch.linalg.solve(eye - GAMMA * P_pi, r_pi)


def value_iteration(P: torch.Tensor, R: torch.Tensor, sweeps: int = 400) -> torch.Tensor:
    """The Bellman optimality backup: the best action's one-step lookahead."""
    V = torch.zeros(P.shape[0], dtype=P.dtype, device=P.device)
    for _ in range(sweeps):
        V = (R + GAMMA * P @ V).max(-1).values
    return V


def greedy(P: torch.Tensor, R: torch.Tensor, V: torch.Tensor) -> torch.Tensor:
    """The deterministic policy that picks the best one-step lookahead, as a one-hot pi."""
    best = (R + GAMMA * P @ V).argmax(-1)
    return torch.nn.functional.one_hot(best, R.shape[1]).to(R.dtype)


def best_single_change(P: torch.Tensor, R: torch.Tensor, pi: torch.Tensor) -> torch.Tensor:
    """Try every (state, action) swap of a deterministic policy, each valued exactly by a
    linear solve: the largest gain any swap brings to any state's value (<= 0 if optimal)."""
    base = solve(P, R, pi)
    gains = []
    for s in range(P.shape[0]):
        for a in range(P.shape[1]):
            changed = pi.clone()
            changed[s] = 0.0
            changed[s, a] = 1.0
            gains.append((solve(P, R, changed) - base).max())
    return torch.stack(gains).max()


def monte_carlo(
    demo: Demo, P: torch.Tensor, pi: torch.Tensor, episodes: int, horizon: int = 100
) -> tuple[torch.Tensor, torch.Tensor]:
    """Play `episodes` games from every state with pi, sampling each action and each
    next state; return the mean discounted return per start state and its standard error.
    Nothing here uses a Bellman backup: only the rules and the dice."""
    S, A = pi.shape
    pi_cdf, P_cdf = pi.cumsum(-1), P.cumsum(-1)  # sample by inverting the CDF with a uniform
    state = torch.arange(S, device=P.device).repeat_interleave(episodes)
    # Every die roll at once: one uniform for the action and one for the slip, per step.
    dice = torch.rand(horizon, 2, len(state), 1, generator=demo.generator(7), dtype=torch.float64)
    dice = dice.to(P.device)
    ret = torch.zeros(len(state), dtype=torch.float64, device=P.device)
    discount = 1.0  # gamma**100 is 3e-5: truncating the (terminating) games there is harmless
    for u in dice:
        action = (pi_cdf[state] < u[0]).sum(-1).clamp(max=A - 1)
        nxt = (P_cdf[state, action] < u[1]).sum(-1).clamp(max=S - 1)
        ret += discount * transition_reward(state, nxt)
        state, discount = nxt, discount * GAMMA
    ret = ret.view(S, episodes)
    return ret.mean(-1), ret.std(-1) / episodes**0.5


def run(demo: Demo) -> None:
    # Worked example: two states that alternate, paying 1 on leaving s0 and 0 on leaving s1.
    # V0 = 1 + 0.9 V1 and V1 = 0.9 V0 give V0 = 1 / (1 - 0.81) = 100/19 and V1 = 90/19.
    P2 = demo.tensor([[[0.0, 1.0]], [[1.0, 0.0]]], dtype=torch.float64)
    R2 = demo.tensor([[1.0], [0.0]], dtype=torch.float64)
    one_action = torch.ones(2, 1, dtype=torch.float64, device=demo.device)
    demo.close(
        "two-state chain: policy evaluation gives V = [100/19, 90/19]",
        evaluate(P2, R2, one_action),
        [100 / 19, 90 / 19],
        rtol=1e-12,
        atol=1e-12,
    )

    P, R = gridworld(demo.device)
    demo.close(
        "every row of P(.|s,a) sums to one", P.sum(-1), torch.ones_like(R), rtol=0, atol=1e-12
    )

    # A fixed stochastic policy: a softmax over seeded random preferences in every state.
    pi = torch.softmax(demo.randn(16, 4, seed=0, dtype=torch.float64), -1)
    V = evaluate(P, R, pi)
    V_exact = solve(P, R, pi)
    demo.close(
        "iterative policy evaluation converges to the solution of (I - gamma P_pi) V = r_pi",
        V,
        V_exact,
        rtol=0,
        atol=1e-12,
    )

    # Monte Carlo: what the value means. Average the discounted returns of played games.
    live = [s for s in range(16) if s not in (GOAL, PIT)]
    mc_mean, mc_err = monte_carlo(demo, P, pi, episodes=500)

    def worst_z(values: torch.Tensor) -> torch.Tensor:
        return ((mc_mean - values) / mc_err)[live].abs().max()

    agrees = demo.at_most(
        "sampled returns agree with V in all 14 live states (max |z| over states)",
        worst_z(V_exact),
        5.0,
    )

    # Negative controls for the same check: two Bellman backups people really write.
    # (1) Thinking of a deterministic grid: take the best next state, not the expectation.
    V_max = torch.zeros(16, dtype=torch.float64, device=demo.device)
    reachable = P > 0
    for _ in range(400):
        best_next = torch.where(reachable, V_max[None, None, :], -torch.inf).max(-1).values
        V_max = (pi * (R + GAMMA * best_next)).sum(-1)
    agrees.broken("a backup with max over next states does not", worst_z(V_max))
    # (2) Forgetting the discount on the next state's value (the games do end, so it converges).
    V_undiscounted = torch.zeros(16, dtype=torch.float64, device=demo.device)
    for _ in range(800):
        V_undiscounted = (pi * (R + P @ V_undiscounted)).sum(-1)
    agrees.broken("a backup without gamma on V(s') does not", worst_z(V_undiscounted))

    # Q from its own linear system, Q = R + gamma P (pi . Q), of 64 unknowns, not from V.
    S, A = pi.shape
    next_pair = torch.einsum("sat,tb->satb", P, pi).reshape(S * A, S * A)
    eye = torch.eye(S * A, dtype=torch.float64, device=demo.device)
    Q = torch.linalg.solve(eye - GAMMA * next_pair, R.reshape(-1)).view(S, A)
    demo.close(
        "V(s) = sum_a pi(a|s) Q(s,a), with Q and V from separate linear systems",
        (pi * Q).sum(-1),
        V_exact,
        rtol=0,
        atol=1e-12,
    )
    advantage = Q - V_exact[:, None]
    demo.close(
        "advantages A = Q - V average to zero under pi in every state",
        (pi * advantage).sum(-1),
        torch.zeros(S, dtype=torch.float64),
        rtol=0,
        atol=1e-12,
    )

    # Control: value iteration, then act greedily on its values.
    V_star = value_iteration(P, R)
    pi_star = greedy(P, R, V_star)
    demo.close(
        "the greedy policy's own value equals value iteration's V*",
        solve(P, R, pi_star),
        V_star,
        rtol=0,
        atol=1e-10,
    )
    optimal = demo.at_most(
        "no single-state change of action raises any state's value (exhaustive, 64 swaps)",
        best_single_change(P, R, pi_star),
        1e-10,
    )
    # Policy iteration reaches the same policy from the uniform one by evaluate-and-improve.
    policy = torch.full((S, A), 0.25, dtype=torch.float64, device=demo.device)
    for _ in range(20):
        policy = greedy(P, R, solve(P, R, policy))
    demo.equal(
        "policy iteration picks the same action as value iteration in all 14 live states",
        policy.argmax(-1)[live],
        pi_star.argmax(-1)[live],
    )

    # Negative control for the optimality check: plan with the max-over-next-states backup,
    # which trusts that you never slip, and act greedily on those values.
    V_opt = torch.zeros(16, dtype=torch.float64, device=demo.device)
    for _ in range(400):
        best_next = torch.where(reachable, V_opt[None, None, :], -torch.inf).max(-1).values
        V_opt = (R + GAMMA * best_next).max(-1).values
    best_next = torch.where(reachable, V_opt[None, None, :], -torch.inf).max(-1).values
    optimist = torch.nn.functional.one_hot((R + GAMMA * best_next).argmax(-1), A).double()
    optimal.broken(
        "planning as if you never slip is not: some single swap helps",
        best_single_change(P, R, optimist),
    )


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "forget the discount in the Bellman expectation backup",
        "V = (pi * (R + GAMMA * P @ V)).sum(-1)",
        "V = (pi * (R + P @ V)).sum(-1)",
    ),
    (
        "value iteration averages over actions instead of taking the best",
        "V = (R + GAMMA * P @ V).max(-1).values",
        "V = (R + GAMMA * P @ V).mean(-1)",
    ),
    (
        "build P_pi on the wrong axis (P_pi transposed)",
        'P_pi = torch.einsum("sa,sat->st", pi, P)',
        'P_pi = torch.einsum("sa,sat->ts", pi, P)',
    ),
]
