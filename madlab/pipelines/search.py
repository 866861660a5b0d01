"""Parameter searches of a pipeline sweep: fixed points (grid, random) or Bayesian.

A search proposes one point at a time (:meth:`Search.ask`) and hears back
the trial's objective (:meth:`Search.tell`). Grid and random search list their
points up front; Bayesian search asks Optuna's TPE sampler, seeded, which
learns from every objective told so far. A sampler seeded the same and told
the same objectives proposes the same points, so a resumed run finds the
trials it already ran under the same names.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from madlab.errors import ValidationError
from madlab.pipelines.planner import sweep_points
from madlab.pipelines.spec import Sweep

__all__ = ["BayesianSearch", "FixedSearch", "Search", "make_search"]


class Search(ABC):
    """Port: proposes the points of a parameter search, one trial at a time."""

    #: Trials the search runs at most.
    total: int

    @abstractmethod
    def ask(self) -> dict[str, Any] | None:
        """The next point to try, or ``None`` when the search is over."""

    def tell(self, point: dict[str, Any], objective: float | None) -> None:  # noqa: B027
        """The objective of the trial at ``point`` (``None``: it gave none)."""


class FixedSearch(Search):
    """Points known in advance: a grid, random draws, or the one point of no sweep."""

    def __init__(self, points: list[dict[str, Any]]) -> None:
        self._points = list(points)
        self.total = len(self._points)
        self._next = 0

    def ask(self) -> dict[str, Any] | None:
        """The next listed point."""
        if self._next >= len(self._points):
            return None
        self._next += 1
        return dict(self._points[self._next - 1])


class BayesianSearch(Search):
    """Optuna's TPE sampler over the sweep's space, ``trials`` points, seeded.

    A list of values is a categorical choice; ``{low, high}`` is a uniform
    range, of integers when both ends are integers, else of floats. A trial
    without an objective (it failed) is told to Optuna as failed.
    """

    def __init__(self, sweep: Sweep) -> None:
        import optuna

        if not sweep.objective:
            raise ValidationError(
                "Bayesian search needs an objective to learn from",
                field="sweep.objective",
                hint="name the number to optimize, e.g. steps.dock.outputs.best_affinity",
            )
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        self._optuna = optuna
        self.total = sweep.trials
        self._study = optuna.create_study(
            direction=sweep.direction, sampler=optuna.samplers.TPESampler(seed=sweep.seed)
        )
        self._space = {name: _distribution(optuna, name, dim) for name, dim in sweep.space.items()}
        self._asked = 0
        self._pending: list[tuple[dict[str, Any], Any]] = []

    def ask(self) -> dict[str, Any] | None:
        """The sampler's next point, given every objective told so far."""
        if self._asked >= self.total:
            return None
        self._asked += 1
        trial = self._study.ask(self._space)
        point = {name: trial.params[name] for name in self._space}
        self._pending.append((point, trial))
        return dict(point)

    def tell(self, point: dict[str, Any], objective: float | None) -> None:
        """Report the objective of the trial asked at ``point`` to the sampler."""
        for k, (asked, trial) in enumerate(self._pending):
            if asked == point:
                del self._pending[k]
                if objective is None:
                    self._study.tell(trial, state=self._optuna.trial.TrialState.FAIL)
                else:
                    self._study.tell(trial, float(objective))
                return


def _distribution(optuna: Any, name: str, dim: list[Any] | dict[str, float]) -> Any:
    if isinstance(dim, list):
        return optuna.distributions.CategoricalDistribution(dim)
    low, high = dim["low"], dim["high"]
    if isinstance(low, int) and isinstance(high, int):
        return optuna.distributions.IntDistribution(low, high)
    return optuna.distributions.FloatDistribution(float(low), float(high))


def make_search(sweep: Sweep | None) -> Search:
    """The search a sweep asks for (one empty point without a sweep).

    Raises
    ------
    madlab.errors.ValidationError
        A grid over a range, or a Bayesian search without an objective.
    """
    if sweep is not None and sweep.method == "bayesian":
        return BayesianSearch(sweep)
    return FixedSearch(sweep_points(sweep))
