"""Read YAML only with a safe loader, refusing documents that expand without bound."""

from __future__ import annotations

from typing import Any

import yaml

from quotabulk.domain import messages as said
from quotabulk.domain.errors import InputError

try:
    _SafeLoader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - libyaml is present on every supported machine
    _SafeLoader = yaml.SafeLoader

# An alias re-uses a node; a chain of them (the "billion laughs") makes a 1 kB file stand
# for billions of values. Counting the expanded size on the node graph, with memoisation,
# costs one pass over the distinct nodes and stops such a file before anything walks it.
MAX_EXPANDED_NODES = 20_000_000
LINE_KEY = "\x00line"


def load_yaml_text(text: str, where: str, *, mark_lines: bool = False) -> Any:
    """Parse one YAML document; with `mark_lines`, every mapping gets its line number.

    Raises `InputError` with the file and line for syntax errors and expansion bombs.
    """
    loader = _SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _refuse_expansion_bomb(node, where)
        if mark_lines:
            _mark_mapping_lines(node)
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        detail = str(exc.problem)
        message = (
            said.BAD_YAML(detail=detail)
            if mark is None
            else said.BAD_YAML_AT(line=mark.line + 1, detail=detail)
        )
        raise InputError(where, message) from None
    except yaml.YAMLError as exc:
        raise InputError(where, said.BAD_YAML(detail=str(exc))) from None
    except RecursionError:
        raise InputError(where, said.TOO_DEEP()) from None
    finally:
        loader.dispose()


def _refuse_expansion_bomb(root: yaml.Node, where: str) -> None:
    sizes: dict[int, int] = {}
    # Iterative post-order walk: YAML nests up to 1000 levels, deeper than the stack allows.
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        children = _children(node)
        if children_done or not children:
            sizes[id(node)] = 1 + sum(sizes[id(child)] for child in children)
            if sizes[id(node)] > MAX_EXPANDED_NODES:
                raise InputError(where, said.ALIAS_BOMB())
            continue
        stack.append((node, True))
        stack.extend((child, False) for child in children if id(child) not in sizes)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _mark_mapping_lines(root: yaml.Node) -> None:
    """Add a `LINE_KEY: <line>` pair to each mapping so rows can be located later."""
    stack = [root]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            line = yaml.ScalarNode("tag:yaml.org,2002:int", str(node.start_mark.line + 1))
            key = yaml.ScalarNode("tag:yaml.org,2002:str", LINE_KEY)
            node.value.append((key, line))
        stack.extend(_children(node))
