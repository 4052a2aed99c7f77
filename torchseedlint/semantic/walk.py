"""Where a fact collector's walk is, and the call facts recorded from there.

Both collectors (``cst_facts`` over libcst's tree, ``ast_facts`` over CPython's)
keep the same walk state and record a call the same way: they share this base.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Set

from torchseedlint.core.diagnostics import Location
from torchseedlint.semantic.facts import Call, Expr, Function, ModuleFacts, _last_row


class WalkState:
    def __init__(self, facts: ModuleFacts) -> None:
        self.facts = facts
        self.functions: List[Function] = []  # enclosing function stack
        self.classes: List[str] = []
        self.main_guard_depth = 0
        self.loop_stack: List[int] = []
        self.stmt_end_rows: List[int] = []
        self.call_stack: List[str] = []
        self.pending_assign_target: Dict[int, str] = {}  # id(call node) -> target
        self.iterated_calls: Set[int] = set()  # id(call node) of loop/comprehension iterables
        self.with_items: Set[int] = set()  # id(call node) of ``with`` context managers

    @property
    def scope(self) -> str:
        return self.functions[-1].qualname if self.functions else ""

    def record_call(
        self,
        node_id: int,
        raw: Optional[str],
        method: Optional[str],
        receiver: Optional[str],
        args: List[Expr],
        kwargs: Dict[str, Expr],
        start: Location,
        end: Location,
    ) -> Call:
        """Record the call the walk is at (``node_id``: ``id()`` of its node) and enter it:
        the caller pops ``call_stack`` when it leaves the call."""
        call = Call(
            index=len(self.facts.calls),
            raw=raw,
            qualname=None,
            method=method,
            receiver=receiver,
            args=args,
            kwargs=kwargs,
            start=start,
            end=end,
            stmt_end_row=self.stmt_end_rows[-1] if self.stmt_end_rows else _last_row(end),
            scope=self.scope,
            class_name=self.classes[-1] if self.classes else None,
            in_main_guard=self.main_guard_depth > 0,
            loops=tuple(self.loop_stack),
            parent=self.call_stack[-1] if self.call_stack else None,
            assigned_to=self.pending_assign_target.pop(node_id, None),
            iterated=node_id in self.iterated_calls,
            with_item=node_id in self.with_items,
        )
        self.facts.calls.append(call)
        if self.functions:
            self.functions[-1].calls.append(call.index)
        if method == "cuda":
            self.facts.cuda_uses.append(start)
        self.call_stack.append(raw or "<call>")
        return call
