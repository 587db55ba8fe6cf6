"""The action registry: an action kind -> the factory that builds an instance of it.

A step's `ActionRef(kind, params)` names a kind; wiring asks the registry for one Action per
step, so two steps of one kind (two cache groups, two repair scripts) are two instances.
The drill registers its simulated kinds in a registry of its own."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Generic, TypeVar

from cockpit.actions import Action
from cockpit.config.release_undo import UndoReader, register_undo_kind

if TYPE_CHECKING:
    from cockpit.core.runbook import ActionRef, StepDef

C = TypeVar("C")
#: Builds the action for a reference, or None when the config does not make it possible.
Factory = Callable[[C, "ActionRef"], Action | None]


class ActionRegistry(Generic[C]):
    def __init__(self) -> None:
        self._factories: dict[str, Factory[C]] = {}

    def register(
        self, kind: str, *, phase: str | None = None, title: str = "", params: UndoReader | None = None
    ) -> Callable[[Factory[C]], Factory[C]]:
        """Register the kind's factory; with `phase` (and the step `title`, and `params`, the
        reader of its parameters in a release file's `undo`), a release file may name it too."""

        def add(factory: Factory[C]) -> Factory[C]:
            if kind in self._factories:
                raise ValueError(f"action kind {kind!r} is registered twice")
            self._factories[kind] = factory
            if phase is not None:
                self.describe(kind, phase=phase, title=title, params=params)
            return factory

        return add

    @staticmethod
    def describe(kind: str, *, phase: str, title: str, params: UndoReader | None = None) -> None:
        """A kind's release entry alone, for a kind whose instances are built elsewhere (the
        session's own: `verify_paths`, the updates, in `Backends.session_actions`)."""
        register_undo_kind(kind, phase, title, params)

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(self._factories)

    def build(self, context: C, ref: ActionRef) -> Action | None:
        """An instance named `ref.name`; None for a kind not registered here or not configured."""
        factory = self._factories.get(ref.kind)
        action = factory(context, ref) if factory is not None else None
        if action is not None:
            action.name = ref.name
        return action

    def build_steps(self, context: C, steps: Iterable[StepDef]) -> dict[str, Action]:
        """One action per step that names a registered kind, keyed by instance name, bound to its step."""
        actions: dict[str, Action] = {}
        for step in steps:
            if step.action is None or step.action.name in actions:
                continue
            action = self.build(context, step.action)
            if action is not None:
                action.step = step.id
                actions[action.name] = action
        return actions
