"""Search the relaxation's core for a fit: what to drop from ``around`` to meet the budget.

``around`` (see ``planner.relaxation``) is closed and a little over the budget,
and the best fit usually keeps all of it but a few items. So search for what to
drop: a set closed upwards (whatever needs a dropped item is dropped too) that
frees enough minutes and costs no more value than allowed. Each branch drops an
item with everything that needs it, or protects it with everything it needs; a
branch is cut when even the items that free the most minutes per value, taken
without regard to what needs what, could not free enough.
"""

from collections.abc import Iterable


class NodeLimit(Exception):
    """The search needed more nodes than it was allowed."""


class CoreSearch:
    """Searches over one core; ``nodes`` counts the branches visited across calls."""

    def __init__(
        self,
        around: Iterable[int],
        value: list[int],
        cost: list[int],
        deps: list[list[int]],
        node_limit: int,
    ) -> None:
        """Items are positions in an order that puts deps first; values are positive."""
        self.value, self.cost, self.node_limit = value, cost, node_limit
        inside = set(around)
        self.deps = {i: [d for d in deps[i] if d in inside] for i in inside}
        self.users: dict[int, list[int]] = {i: [] for i in inside}
        for i in inside:
            for d in self.deps[i]:
                self.users[d].append(i)
        # Most minutes freed per value first: the order of the bound and of branching.
        self.order = sorted(inside, key=lambda i: (-cost[i] / value[i], i))
        # Each item with all that needs it; positions run deps first, so users come later.
        self.upward: dict[int, frozenset[int]] = {}
        for i in sorted(inside, reverse=True):
            self.upward[i] = frozenset({i}).union(*(self.upward[u] for u in self.users[i]))
        self.worth = {i: sum(value[j] for j in up) for i, up in self.upward.items()}
        self.nodes = 0

    def drop(self, free: int, allowance: int) -> frozenset[int] | None:
        """Items closed upwards that free ``free`` minutes for at most ``allowance`` value.

        None when there are none; raises ``NodeLimit`` past the node limit.
        """
        # Depth first with a stack of branches (dropped, kept, value dropped, minutes
        # still to free), not recursion: a path can be as long as the core.
        stack = [(frozenset[int](), frozenset[int](), 0, free)]
        while stack:
            dropped, kept, spent, free = stack.pop()
            self.nodes += 1
            if self.nodes > self.node_limit:
                raise NodeLimit
            if free <= 0:
                return dropped
            branch = self._bound(dropped, kept, spent, allowance - spent, free)
            if branch is None:
                continue
            # Drop the item that frees most per value, with what needs it (tried first,
            # so pushed last); or else keep it, and with it what it needs: nothing kept
            # ever needs an undecided item.
            closure = self.upward[branch] - dropped
            stack.append((dropped, kept | self._needed(branch), spent, free))
            stack.append(
                (
                    dropped | closure,
                    kept,
                    spent + sum(self.value[j] for j in closure),
                    free - sum(self.cost[j] for j in closure),
                )
            )
        return None

    def _bound(
        self, dropped: frozenset[int], kept: frozenset[int], spent: int, allowance: int, free: int
    ) -> int | None:
        """The item to branch on, or None when no drop can free ``free`` minutes.

        The bound: undecided items whose drop (with what needs them) fits the
        allowance, each at its own minutes and value, taken fractionally and
        regardless of what needs what. Every item of a valid drop is among them.
        """
        value, cost = self.value, self.cost
        branch, left = None, allowance
        for i in self.order:
            if i in dropped or i in kept:
                continue
            # Dropping it drops all that needs it: that worth, less what is dropped already.
            total = self.worth[i]
            if total - spent > allowance:  # too much even if all that is dropped needs it
                continue
            if spent and total - sum(value[j] for j in self.upward[i] & dropped) > allowance:
                continue
            if branch is None:
                branch = i
            if value[i] > left:
                return branch if free <= cost[i] * left / value[i] else None
            left -= value[i]
            free -= cost[i]
            if free <= 0:
                return branch
        return None

    def _needed(self, i: int) -> frozenset[int]:
        """``i`` and everything in the core it needs."""
        found, stack = {i}, [i]
        while stack:
            for dep in self.deps[stack.pop()]:
                if dep not in found:
                    found.add(dep)
                    stack.append(dep)
        return frozenset(found)
