"""Semantic questions over one module's facts: what is seeded, what consumes RNG.

The rules ask these questions; answering them here once keeps every rule small
and makes them agree with each other (TSL101 and TSL201 must have the same idea
of "torch is seeded").
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Callable, Dict, FrozenSet, Iterable, List, Optional, Set, Tuple

from torchseedlint.semantic import rng_api as K
from torchseedlint.semantic.facts import Call, Expr, ModuleFacts
from torchseedlint.semantic.summary import Draw, DrawGraph, Draws, add_draws

# Answers "what does this imported function seed?" for names the module cannot
# see into: None when unknown. The project index plugs in here. It is asked with
# a call's qualified name, or with the name as written when no import binds it
# (a name that may come from a star import).
ImportedSeeds = Callable[[str], Optional[FrozenSet[str]]]


@dataclass(frozen=True)
class ImportedDraw:
    """Project code behind an imported name (a function, or a class whose
    ``__init__``/``forward``/... runs) that draws, at any call depth."""

    name: str  # dotted name of the function or class, for messages
    draws: Draws


# Answers "does the project code behind this name draw, and from which RNGs?".
ImportedDraws = Callable[[str], Optional[ImportedDraw]]

# Answers "what do these methods of the project class behind this name draw?";
# None when the name is not a project class.
ImportedMethods = Callable[[str, Tuple[str, ...]], Optional["Draws"]]

# Code of a module outside any function: the node that runs at import, and the
# ``if __name__ == "__main__":`` block, which runs only as a program.
AT_IMPORT = ""
MAIN_BLOCK = "<main>"

# Methods that run in the main process without being called by name: building an
# instance runs ``__init__``; calling a model runs ``forward``.
IMPLICIT_METHODS = ("__init__", "__call__", "forward")
# What a DataLoader runs of a dataset: in the main process only without workers
# (with workers, the workers' RNGs are seeded from the loader's base seed).
DATASET_METHODS = ("__getitem__", "__getitems__", "__iter__", "__next__")


@dataclass(frozen=True)
class SeedEvent:
    call: Call
    rngs: FrozenSet[str]
    seed: Optional[Expr]  # the seed argument, None when absent
    randomizing: bool  # None/absent seed that means "pick a random one"
    entropic: bool  # derived from time, pid, urandom, an unseeded draw, ...


def first_arg(call: Call, keyword: str = "seed") -> Optional[Expr]:
    if call.args:
        return call.args[0]
    return call.kwargs.get(keyword)


def is_true(expr: Optional[Expr]) -> bool:
    return expr is not None and expr.kind == "literal" and expr.value is True


def enables_deterministic_mode(call: Call) -> bool:
    """``use_deterministic_algorithms(True)`` or ``set_deterministic_debug_mode("warn"|"error")``."""
    if call.qualname == "torch.set_deterministic_debug_mode":
        mode = first_arg(call, "debug_mode")
        return mode is not None and mode.kind == "literal" and mode.value in ("warn", "error", 1, 2)
    return is_true(first_arg(call, "mode"))


class ModuleAnalysis:
    def __init__(
        self,
        facts: ModuleFacts,
        seed_functions: Iterable[str] = (),
        imported_seeds: Optional[ImportedSeeds] = None,
        imported_draws: Optional[ImportedDraws] = None,
        entry_functions: Iterable[str] = (),
        imported_methods: Optional[ImportedMethods] = None,
        graph: Optional[DrawGraph] = None,
    ) -> None:
        """``graph``: this module's draw graph when already built (it depends on
        the facts alone; the project index builds one for every module)."""
        self.facts = facts
        self.imported_methods = imported_methods
        # Functions that run as the program although nothing in the module calls
        # them: ``[project.scripts]`` targets.
        self.entry_functions = tuple(entry_functions)
        self.seed_functions = frozenset(seed_functions)
        self.imported_seeds = imported_seeds
        self.imported_draws = imported_draws
        # Use sites of imported project code that draws: call index -> what it draws.
        self._imported_draw_calls: Optional[Dict[int, ImportedDraw]] = None
        self._local_functions = {
            name: fn for name, fn in facts.functions.items() if not fn.is_nested
        }
        self._seed_events: Optional[List[SeedEvent]] = None
        self._uses_torch = self.imports_torch()
        self._project_star_import = any(
            imp.names == ("*",) and (imp.level or imp.module.split(".")[0] not in K.KNOWN_PACKAGES)
            for imp in facts.imports
        )
        self._graph = graph
        self._node_draws: Optional[Dict[str, Draws]] = None
        # Asked for every call of the module by several rules and the draw graph.
        self._direct_draws: Dict[int, FrozenSet[str]] = {}
        self._direct_seeds: Dict[int, FrozenSet[str]] = {}
        self._local_callees: Dict[int, Optional[str]] = {}
        self._dataloaders: Optional[List[Call]] = None

    # --- seeding ---------------------------------------------------------------

    def direct_seeds(self, call: Call) -> FrozenSet[str]:
        """What a call seeds by itself, without looking into local functions."""
        seeds = self._direct_seeds.get(call.index)
        if seeds is None:
            seeds = self._direct_seeds[call.index] = self._own_seeds(call)
        return seeds

    def _own_seeds(self, call: Call) -> FrozenSet[str]:
        qualname = call.qualname
        if call.with_item and qualname in K.RESTORING_SEEDERS:
            return frozenset()  # ``with set_torch_seed(s):`` seeds its body, then restores
        lightning = self._lightning_seeds(call)
        if lightning is not None:
            return lightning
        if qualname is None:
            if call.raw in self.seed_functions:
                return K.ALL_RNGS
            if call.raw and self._maybe_star_imported(call.raw):
                known = self.imported_seeds(call.raw) if self.imported_seeds else None
                if known is not None:
                    return known
                if "seed" in call.raw.rsplit(".", 1)[-1].lower():
                    return K.ALL_RNGS  # the benefit of the doubt, as for a named import
            return frozenset()
        # The project's own source wins over the helper table: linting inside a
        # known library's repository, its helpers are read like any project module.
        if self.imported_seeds is not None and qualname.split(".")[0] not in _RNG_PACKAGES:
            known = self.imported_seeds(qualname)
            if known is not None:
                return known
        if qualname in K.SEEDERS:
            rngs = K.SEEDERS[qualname]
            flag = K.SEEDERS_WITH_DETERMINISM_FLAG.get(qualname)
            if flag and is_true(call.kwargs.get(flag)):
                rngs = rngs | {K.DETERMINISM}
            return rngs
        if qualname in K.DETERMINISM_CALLS:
            return frozenset({K.DETERMINISM}) if enables_deterministic_mode(call) else frozenset()
        if qualname in self.seed_functions:
            return K.ALL_RNGS
        if self._benefit_of_the_doubt(qualname):
            return K.ALL_RNGS
        return frozenset()

    def _lightning_seeds(self, call: Call) -> Optional[FrozenSet[str]]:
        """``fabric.seed_everything(s)`` and ``LightningCLI(...)``; None for other calls."""
        if call.method == "seed_everything" and call.receiver and self._is_fabric(call):
            return K.ALL_RNGS
        if self._is_lightning_cli(call):
            seeds = K.lightning_cli_seeds(call.kwargs.get("seed_everything_default"))
            return K.ALL_RNGS if seeds else frozenset()
        return None

    def _is_fabric(self, call: Call) -> bool:
        """The receiver of ``call`` is a Lightning ``Fabric`` (the class, or an object
        built from it here, or named ``fabric`` and not built from anything else)."""
        receiver = call.receiver or ""
        if K.is_fabric(self.facts.resolve(receiver)):
            return True  # ``L.Fabric.seed_everything(s)``: a static method
        built = [
            assign.value.calls[0]
            for assign in self.facts.assigns
            if assign.target == receiver
            and assign.value.kind == "call"
            and assign.value.calls
            and (assign.scope in (call.scope, "") or receiver.startswith("self."))
        ]
        if built:
            return all(K.is_fabric(callee) for callee in built)
        return receiver.rsplit(".", 1)[-1] == "fabric"

    def _is_lightning_cli(self, call: Call) -> bool:
        """``LightningCLI(...)``, or a module class derived from it."""
        if K.is_lightning_cli(call.qualname):
            return True
        bases = self.facts.classes.get(call.raw or "", ()) if call.qualname is None else ()
        return any(K.is_lightning_cli(base) for base in bases)

    def _benefit_of_the_doubt(self, qualname: str) -> bool:
        # An imported helper we cannot see into, named like a seeder.
        head = qualname.lstrip(".").split(".")[0]
        leaf = qualname.rsplit(".", 1)[-1]
        return head not in K.KNOWN_PACKAGES and "seed" in leaf.lower()

    def call_seeds(self, call: Call) -> FrozenSet[str]:
        """What a call seeds, including calls of the module's own helper functions."""
        direct = self.direct_seeds(call)
        local = self.local_callee(call)
        if local is not None:
            return direct | self.function_seeds.get(local, frozenset())
        return direct

    def _maybe_star_imported(self, raw: Optional[str]) -> bool:
        """An unbound name in a module with ``from m import *`` (m not a known
        library): m may define it."""
        if not raw or not self._project_star_import:
            return False
        head = raw.split(".")[0]
        return (
            head not in self._local_functions
            and head not in self.facts.classes
            and (head != "self")
        )

    def local_callee(self, call: Call) -> Optional[str]:
        """The function of this module a call runs by name, if any."""
        if call.index not in self._local_callees:
            self._local_callees[call.index] = self._find_local_callee(call)
        return self._local_callees[call.index]

    def _find_local_callee(self, call: Call) -> Optional[str]:
        if call.qualname is None and call.raw in self._local_functions:
            return call.raw
        nested = f"{call.scope}.{call.raw}" if call.scope and call.raw else None
        if call.qualname is None and nested in self.facts.functions:
            return nested
        if call.raw and call.raw.startswith("self.") and call.class_name:
            candidate = f"{call.class_name}.{call.raw[5:]}"
            if candidate in self._local_functions:
                return candidate
        return None

    @cached_property
    def function_seeds(self) -> Dict[str, FrozenSet[str]]:
        """What each function of the module seeds, through its local calls."""
        return self._compute_function_seeds()

    @cached_property
    def reachable(self) -> Set[str]:
        return self._compute_reachable()

    def _compute_function_seeds(self) -> Dict[str, FrozenSet[str]]:
        seeds: Dict[str, FrozenSet[str]] = {name: frozenset() for name in self.facts.functions}
        changed = True
        # A fixpoint over the call graph: terminates because sets only grow.
        while changed:
            changed = False
            for name, fn in self.facts.functions.items():
                total = set(seeds[name])
                for index in fn.calls:
                    call = self.facts.calls[index]
                    total |= self.direct_seeds(call)
                    callee = self.local_callee(call)
                    if callee is not None:
                        total |= seeds.get(callee, frozenset())
                if total != seeds[name]:
                    seeds[name] = frozenset(total)
                    changed = True
        return seeds

    def _compute_reachable(self) -> Set[str]:
        """Functions that can run when the module runs: referenced from module level."""
        reachable: Set[str] = set()
        pending: List[str] = [n for n in self.facts.module_references if n in self._local_functions]
        pending += [n for n in self.entry_functions if n in self.facts.functions]
        pending += [
            name
            for name, fn in self._local_functions.items()
            if fn.class_name is not None and fn.class_name in self.facts.module_references
        ]
        while pending:
            name = pending.pop()
            if name in reachable:
                continue
            reachable.add(name)
            fn = self.facts.functions[name]
            for ref in fn.references:
                for candidate in (ref, f"{fn.qualname}.{ref}"):
                    if candidate in self.facts.functions and candidate not in reachable:
                        pending.append(candidate)
                if ref in self.facts.classes:
                    pending += [n for n, f in self._local_functions.items() if f.class_name == ref]
        return reachable

    def runs(self, call: Call) -> bool:
        """Whether the call is at module level or in a function reachable from there."""
        return call.scope == "" or call.scope in self.reachable

    def seed_events(self) -> List[SeedEvent]:
        if self._seed_events is None:
            self._seed_events = self._collect_seed_events()
        return self._seed_events

    def _worker_only_functions(self) -> Set[str]:
        """Functions used as ``worker_init_fn`` and never called directly.

        They run in the DataLoader's worker processes: what they seed is not
        seeded in the main process.
        """
        passed = {
            expr.text
            for call in self.facts.calls
            for name, expr in call.kwargs.items()
            if name == "worker_init_fn" and expr.kind == "name"
        }
        called = {call.raw for call in self.facts.calls}
        return {name for name in passed if name not in called}

    def _collect_seed_events(self) -> List[SeedEvent]:
        events = []
        worker_only = self._worker_only_functions()
        for call in self.facts.calls:
            rngs = self.call_seeds(call) - {K.DETERMINISM}
            if not rngs or not self.runs(call) or call.scope in worker_only:
                continue
            seed = first_arg(call)
            randomizing = self._randomizing(call, seed)
            events.append(SeedEvent(call, rngs, seed, randomizing, self.is_entropic(seed, call)))
        return events

    def _randomizing(self, call: Call, seed: Optional[Expr]) -> bool:
        if self._is_lightning_cli(call):
            return False  # ``seed`` is the model class; a random seed would be recorded
        return K.seeds_randomly(call.qualname, seed)

    def is_entropic(self, expr: Optional[Expr], call: Call) -> bool:
        if expr is None:
            return False
        if any(K.is_entropy_call(name) for name in expr.calls):
            return True
        for name in expr.names:
            value = self.assigned_value(name, call.scope)
            if value is not None and any(K.is_entropy_call(n) for n in value.calls):
                return True
        return False

    def assigned_value(self, name: str, scope: str) -> Optional[Expr]:
        """The last value assigned to ``name`` in ``scope`` (or at module level)."""
        found = None
        for assign in self.facts.assigns:
            if assign.target == name and assign.scope in (scope, ""):
                found = assign.value
        return found

    def seeded(self, rng: str) -> bool:
        return any(rng in event.rngs for event in self.seed_events())

    def deterministic_algorithms_enabled(self) -> bool:
        """``use_deterministic_algorithms(True)``, or a helper or Lightning ``Trainer``
        flag that calls it."""
        if any(K.DETERMINISM in self.call_seeds(call) for call in self.facts.calls):
            return True
        for call in self.facts.calls:
            flag = call.kwargs.get("deterministic")
            if (
                K.is_lightning_trainer(call.qualname)
                and flag is not None
                and (flag.kind == "literal" and flag.value in (True, "warn"))
            ):
                return True
        return False

    def determinism_enabled(self) -> bool:
        """Deterministic algorithms, or at least ``cudnn.deterministic = True``."""
        return self.deterministic_algorithms_enabled() or any(
            assign.qualname == "torch.backends.cudnn.deterministic" and assign.value.value is True
            for assign in self.facts.assigns
        )

    def lightning_worker_seeding(self) -> bool:
        """``seed_everything(..., workers=True)`` (also ``fabric.seed_everything``), or a
        seeding ``LightningCLI``, which passes ``workers=True``: Lightning seeds the workers."""
        for call in self.facts.calls:
            lightning = self._lightning_seeds(call)
            if self._is_lightning_cli(call) and lightning:
                return True
            helper = call.qualname in K.LIGHTNING_SEED_EVERYTHING or lightning is not None
            if helper and is_true(call.kwargs.get("workers")):
                return True
        return False

    # --- draws -----------------------------------------------------------------

    def imports_torch(self) -> bool:
        return any(target.split(".")[0] == "torch" for target in self.facts.aliases.values())

    def direct_draws(self, call: Call) -> FrozenSet[str]:
        """The RNGs a call draws from by itself. Only real draws: ``backward()`` or
        ``optimizer.step()`` draw nothing, and an explicit ``generator=`` is not the
        global RNG."""
        draws = self._direct_draws.get(call.index)
        if draws is None:
            draws = self._direct_draws[call.index] = self._own_draws(call)
        return draws

    def _own_draws(self, call: Call) -> FrozenSet[str]:
        qualname = call.qualname
        if qualname is None:
            method = call.method in K.TENSOR_RANDOM_METHODS and self._uses_torch
            return frozenset({K.TORCH}) if method and _global_generator(call) else frozenset()
        if K.is_pyrandom_consumer(qualname):
            return frozenset({K.PYRANDOM})
        if K.is_numpy_consumer(qualname):
            return frozenset({K.NUMPY})
        if not _global_generator(call):
            return frozenset()
        if K.is_torch_consumer(qualname) or self._shuffling_loader(call):
            return frozenset({K.TORCH})
        if K.transform_is_random(qualname, call.args, call.kwargs):
            return frozenset({K.random_transform_rng(qualname, False)})
        return frozenset()

    def _shuffling_loader(self, call: Call) -> bool:
        shuffle = call.kwargs.get("shuffle")
        return (
            K.data_name(call.qualname) == "DataLoader"
            and shuffle is not None
            and not (shuffle.kind == "literal" and shuffle.value is False)
        )

    def draw_calls(self, rng: str) -> List[Call]:
        """Calls of this module that draw from ``rng`` themselves, wherever they are."""
        return [c for c in self.facts.calls if rng in self.direct_draws(c)]

    def consumers(self, rng: str) -> List[Call]:
        """What draws from ``rng`` when this module runs: its own draws at module
        level or in functions that run, and the running calls of project code that
        draws from it at any depth (one call per project function or class)."""
        own = [c for c in self.draw_calls(rng) if self.runs(c)]
        imported = self._imported_draws_by_call()
        return own + [self.facts.calls[i] for i, draw in imported.items() if rng in draw.draws]

    def torch_consumers(self, imported: bool = True) -> List[Call]:
        return self.consumers(K.TORCH) if imported else self.draw_calls(K.TORCH)

    def pyrandom_consumers(self, imported: bool = True) -> List[Call]:
        return self.consumers(K.PYRANDOM) if imported else self.draw_calls(K.PYRANDOM)

    def numpy_consumers(self, imported: bool = True) -> List[Call]:
        return self.consumers(K.NUMPY) if imported else self.draw_calls(K.NUMPY)

    def imported_draw(self, call: Call) -> Optional[ImportedDraw]:
        """The project code a consumer returned above stands for, if any."""
        return self._imported_draws_by_call().get(call.index)

    def _imported_names(self, call: Call) -> List[str]:
        """Imported names a call runs: its callee, and functions passed to it
        (``spawn(main_worker)``, ``partial(train, cfg)``, ``launch(main)``)."""
        names = []
        callee = call.qualname
        if callee is None and self._maybe_star_imported(call.raw):
            callee = call.raw
        if callee is not None:
            names.append(callee)
        for expr in (*call.args, *call.kwargs.values()):
            if expr.kind in ("name", "attribute"):
                resolved = self.facts.resolve(expr.text)
                if resolved is not None:
                    names.append(resolved)
        return names

    def _local_nodes(self, call: Call) -> List[str]:
        """Functions of this module a call runs: the callee, the implicit methods of
        a class it builds, and functions passed to it as arguments."""
        nodes = []
        callee = self.local_callee(call)
        if callee is not None:
            nodes.append(callee)
        if call.qualname is None and call.raw in self.facts.classes:
            nodes += [
                f"{call.raw}.{m}"
                for m in self._main_process_methods()
                if f"{call.raw}.{m}" in self.facts.functions
            ]
        for expr in (*call.args, *call.kwargs.values()):
            if expr.kind == "name" and expr.text in self._local_functions:
                nodes.append(expr.text)
        return nodes

    def draw_graph(self) -> DrawGraph:
        if self._graph is None:
            graph = DrawGraph({}, {}, {})
            for node in (AT_IMPORT, MAIN_BLOCK, *self.facts.functions):
                graph.direct[node], graph.local[node], graph.imported[node] = {}, [], []
            for call in self.facts.calls:
                node = call.scope or (MAIN_BLOCK if call.in_main_guard else AT_IMPORT)
                callee = call.raw or f".{call.method}"
                for rng in sorted(self.direct_draws(call)):
                    graph.direct[node].setdefault(rng, Draw(callee, "", call.start.row))
                graph.local[node] += self._local_nodes(call)
                graph.imported[node] += self._imported_names(call)
            self._graph = graph
        return self._graph

    def node_draws(self) -> Dict[str, Draws]:
        """What each node draws at any depth, through this module's functions and
        (with the project index) the project code it calls."""
        if self._node_draws is None:
            graph = self.draw_graph()
            draws: Dict[str, Draws] = {node: dict(d) for node, d in graph.direct.items()}
            for node, names in graph.imported.items():
                for name in names:
                    found = self._imported_main_process_draws(name)
                    if found is not None:
                        add_draws(draws[node], found.draws)
            changed = True
            while changed:  # sets only grow: this ends
                changed = False
                for node, callees in graph.local.items():
                    for callee in callees:
                        changed |= add_draws(draws[node], draws.get(callee, {}))
            self._node_draws = draws
        return self._node_draws

    def _imported_draws_by_call(self) -> Dict[int, ImportedDraw]:
        """The first running call of each project function or class that draws."""
        if self._imported_draw_calls is None:
            self._imported_draw_calls = {}
            seen: Set[str] = set()
            if self.imported_draws is not None:
                for call in self.facts.calls:
                    if not self.runs(call):
                        continue
                    for name in self._imported_names(call):
                        draw = self._imported_main_process_draws(name)
                        if draw is not None and draw.name not in seen:
                            seen.add(draw.name)
                            self._imported_draw_calls.setdefault(call.index, draw)
        return self._imported_draw_calls

    def _main_process_methods(self) -> Tuple[str, ...]:
        """The methods of a class built here that run in this process."""
        loaders = self.dataloaders()
        if loaders and any(num_workers_positive(loader) for loader in loaders):
            return IMPLICIT_METHODS
        return IMPLICIT_METHODS + DATASET_METHODS

    def _imported_main_process_draws(self, name: str) -> Optional[ImportedDraw]:
        """What the project code behind ``name`` draws in this process: a function, or
        a class's implicit methods, and its dataset methods when loading runs here."""
        found = self.imported_draws(name) if self.imported_draws else None
        if self._main_process_methods() == IMPLICIT_METHODS:
            return found
        dataset = self.imported_class_draws(name, DATASET_METHODS)
        if not dataset:
            return found
        draws = dict(found.draws) if found is not None else {}
        add_draws(draws, dataset)
        return ImportedDraw(found.name if found is not None else name, draws)

    def imported_class_draws(self, name: str, methods: Tuple[str, ...]) -> Optional[Draws]:
        """What ``methods`` of the project class ``name`` draw at any depth; None when
        ``name`` is not a class of another project module."""
        return self.imported_methods(name, methods) if self.imported_methods else None

    def random_transforms(self) -> List[Call]:
        return [
            c
            for c in self.facts.calls
            if c.qualname and K.transform_is_random(c.qualname, c.args, c.kwargs) and self.runs(c)
        ]

    def dataloaders(self) -> List[Call]:
        if self._dataloaders is None:
            self._dataloaders = [
                c for c in self.facts.calls if K.data_name(c.qualname) == "DataLoader"
            ]
        return self._dataloaders

    def top_level_draw(self) -> Optional[Draw]:
        """A draw that runs when the module is run or imported, outside a
        ``__main__`` block: at module level, or in what module-level code calls."""
        draws = self.node_draws()[AT_IMPORT]
        return min(draws.values(), key=lambda d: d.row) if draws else None

    def entry_point_reason(self) -> Optional[str]:
        """Why the module looks like a program, from its own code; None if it does not."""
        if self.facts.has_main_guard:
            return '`if __name__ == "__main__":` block'
        draw = self.top_level_draw()
        if draw is not None:
            return f"module-level code draws: {draw.describe()}"
        return None


# Where the seeders themselves live: never read as project code.
_RNG_PACKAGES = frozenset({"torch", "random", "numpy"})


def _global_generator(call: Call) -> bool:
    """Whether a drawing call uses the global generator: no ``generator=`` given."""
    generator = call.kwargs.get("generator")
    return generator is None or generator.kind == "none"


def num_workers_positive(call: Call) -> bool:
    """num_workers > 0: a positive literal, or any expression we cannot evaluate."""
    expr = call.kwargs.get("num_workers")
    if expr is None:
        return False
    if (
        expr.kind == "literal"
        and isinstance(expr.value, (int, float))
        and not isinstance(expr.value, bool)
    ):
        return expr.value > 0
    return expr.kind != "none"
