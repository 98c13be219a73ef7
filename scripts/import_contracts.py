"""An import-linter contract of our own: no module of a package takes part in an import cycle.

import-linter's `acyclic_siblings` compares the children of a package as units, so a cycle
through modules of two feature packages (say cases → search.models and search.vocabulary →
cases.validation, which is fine as long as it never comes back) cannot be told from a real one.
This contract looks at modules: the graph of `knowledge`'s modules (imports inside
`if TYPE_CHECKING:` excluded, as the session asks) must have no cycle.
"""
from __future__ import annotations

from grimp import ImportGraph
from importlinter import Contract, ContractCheck, fields, output


class AcyclicModulesContract(Contract):
    type_name = "acyclic_modules"

    package = fields.StringField()

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        modules = sorted(graph.find_descendants(self.package) | {self.package})
        cycle = _find_cycle(graph, set(modules))
        return ContractCheck(kept=cycle is None, metadata={"cycle": cycle or []})

    def render_broken_contract(self, check: ContractCheck) -> None:
        output.print_error("These modules import each other in a cycle:")
        output.new_line()
        output.indent_cursor()
        output.print_error(" -> ".join(check.metadata["cycle"]))


def _find_cycle(graph: ImportGraph, modules: set[str]) -> list[str] | None:
    """The first cycle a depth-first walk meets, as a list of modules, or None."""
    WHITE, GREY, BLACK = 0, 1, 2
    colour = dict.fromkeys(modules, WHITE)
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        colour[module] = GREY
        path.append(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if imported not in colour:
                continue
            if colour[imported] == GREY:
                return path[path.index(imported):] + [imported]
            if colour[imported] == WHITE:
                found = visit(imported)
                if found:
                    return found
        path.pop()
        colour[module] = BLACK
        return None

    for module in sorted(modules):
        if colour[module] == WHITE:
            found = visit(module)
            if found:
                return found
    return None
