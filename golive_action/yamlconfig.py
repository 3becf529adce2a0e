"""The YAML a config file is read with: YAML 1.2's plain scalars on PyYAML's SafeLoader,
and no aliases."""

from __future__ import annotations

import re
from typing import Any

_YAML_BOOL = "tag:yaml.org,2002:bool"
_YAML_INT = "tag:yaml.org,2002:int"
_YAML_FLOAT = "tag:yaml.org,2002:float"


def _decimal_int(loader: Any, node: Any) -> int:
    return int(loader.construct_scalar(node))


def strict_yaml_loader() -> Any:
    """PyYAML's SafeLoader with YAML 1.2's plain scalars: only true and false are booleans
    (``on`` stays a word), and numbers are decimal as a person reads them (``0100`` is 100,
    not octal 64; ``1:30``, ``1_0`` and ``0x2`` stay text, refused as not numbers). Aliases
    are refused: a few lines of nested ``*name`` expand to billions of nodes."""
    import yaml

    class StrictLoader(yaml.SafeLoader):
        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()  # type: ignore[no-untyped-call]
                raise yaml.composer.ComposerError(
                    None, None, "aliases (*name) are not taken in a config file", event.start_mark
                )
            return super().compose_node(parent, index)

    StrictLoader.yaml_implicit_resolvers = {
        first: [
            (tag, rx) for tag, rx in resolvers if tag not in (_YAML_BOOL, _YAML_INT, _YAML_FLOAT)
        ]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    StrictLoader.add_implicit_resolver(_YAML_BOOL, re.compile(r"^(?:true|false)$"), list("tf"))
    StrictLoader.add_implicit_resolver(
        _YAML_INT, re.compile(r"^[-+]?[0-9]+$"), list("-+0123456789")
    )
    StrictLoader.add_implicit_resolver(
        _YAML_FLOAT,
        re.compile(
            r"^(?:[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
            r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
        ),
        list("-+0123456789."),
    )
    StrictLoader.add_constructor(_YAML_INT, _decimal_int)
    return StrictLoader
