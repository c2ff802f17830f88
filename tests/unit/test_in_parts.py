"""A value sent from a build process in parts (issue 9: one ``pickle.loads`` of the matching input held
the serving process's interpreter lock for ~25 ms) comes back whole, without running ``__init__``."""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd

from registry.services.build_process import InParts


@dataclass(frozen=True, eq=False)
class Checked:
    """A frozen value whose construction is counted, with a derived attribute computed on first use."""

    frame: pd.DataFrame
    names: list[str]
    cache: dict[str, int] = field(default_factory=dict)
    constructed: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.constructed.append(1)

    @cached_property
    def total(self) -> int:
        return int(self.frame["n"].sum())


def test_a_value_in_parts_comes_back_whole_without_being_constructed_again() -> None:
    value = Checked(pd.DataFrame({"n": [1, 2, 3], "code": ["a", "b", None]}), ["Київ", "Köln"], {"k": 1})
    assert value.total == 6  # computed, so that it travels too
    sent = pickle.loads(pickle.dumps(InParts(value)))  # as the process pool sends it
    back = sent.value()
    assert isinstance(back, Checked)
    assert back is not value
    pd.testing.assert_frame_equal(back.frame, value.frame)
    assert (back.names, back.cache, back.__dict__["total"]) == (["Київ", "Köln"], {"k": 1}, 6)
    assert back.constructed == [1]  # __post_init__ ran once, when the value was made
