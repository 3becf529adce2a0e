"""Read an nginx configuration and record the directives that matter to WebSocket proxying.

Only those directives are kept (blocks, map, proxy_pass, proxy_http_version, the Upgrade and
Connection headers, proxy_read_timeout, include): a configuration can hold secrets in other
headers, and the report must not carry them.
"""

from __future__ import annotations

from golive_action.files import FileProblem, read_regular
from golive_action.model import Directive, NginxObservation

MAX_CONFIG_BYTES = 1024 * 1024
_KEPT = {
    "http",
    "server",
    "location",
    "map",
    "proxy_pass",
    "proxy_http_version",
    "proxy_read_timeout",
    "include",
    "upstream",
}
_KEPT_HEADERS = {"upgrade", "connection"}


class NginxSyntaxError(ValueError):
    pass


def _tokens(text: str) -> list[tuple[str, int, bool]]:
    """(token, line, quoted) for words, quoted strings, '{', '}' and ';'; comments dropped."""
    out: list[tuple[str, int, bool]] = []
    i, line, n = 0, 1, len(text)
    while i < n:
        ch = text[i]
        if ch == "\n":
            line += 1
            i += 1
        elif ch.isspace():
            i += 1
        elif ch == "#":
            while i < n and text[i] != "\n":
                i += 1
        elif ch in "{};":
            out.append((ch, line, False))
            i += 1
        elif ch in "\"'":
            start_line, j, buf = line, i + 1, []
            while j < n and text[j] != ch:
                if text[j] == "\\" and j + 1 < n:
                    j += 1
                if text[j] == "\n":
                    line += 1
                buf.append(text[j])
                j += 1
            if j >= n:
                raise NginxSyntaxError(f"line {start_line}: unterminated quoted string")
            out.append(("".join(buf), start_line, True))
            i = j + 1
        else:
            j = i
            while j < n and not text[j].isspace() and text[j] not in "{};\"'":
                j += 1
            out.append((text[i:j], line, False))
            i = j
    return out


def parse(text: str) -> list[Directive]:
    """The directive tree of an nginx configuration (every directive)."""
    root: list[Directive] = []
    stack: list[list[Directive]] = [root]
    words: list[tuple[str, int]] = []
    for word, line, quoted in _tokens(text):
        if not quoted and word == ";":
            if not words:
                raise NginxSyntaxError(f"line {line}: empty directive")
            stack[-1].append(Directive(words[0][0], [w for w, _ in words[1:]], words[0][1]))
            words = []
        elif not quoted and word == "{":
            if not words:
                raise NginxSyntaxError(f"line {line}: block without a name")
            block = Directive(words[0][0], [w for w, _ in words[1:]], words[0][1])
            stack[-1].append(block)
            stack.append(block.children)
            words = []
        elif not quoted and word == "}":
            if words or len(stack) == 1:
                raise NginxSyntaxError(f"line {line}: unexpected }}")
            stack.pop()
        else:
            words.append((word, line))
    if words or len(stack) != 1:
        raise NginxSyntaxError("unexpected end of file: a ; or } is missing")
    return root


def relevant(directives: list[Directive]) -> list[Directive]:
    """Keep only what WebSocket proxying depends on (and never other headers' values)."""
    kept = []
    for d in directives:
        if d.name == "proxy_set_header" and d.args and d.args[0].lower() not in _KEPT_HEADERS:
            # Kept for nginx's inheritance rule (a level with any proxy_set_header inherits
            # none), without its value.
            kept.append(Directive(d.name, [d.args[0], "(value not recorded)"], d.line))
            continue
        header = d.name == "proxy_set_header" and bool(d.args)
        if d.name == "map":  # its entries (default upgrade; '' close;) are part of the check
            entries = [Directive(c.name, c.args, c.line) for c in d.children]
            kept.append(Directive(d.name, d.args, d.line, entries))
        elif d.name in _KEPT or header:
            kept.append(Directive(d.name, d.args, d.line, relevant(d.children)))
    return kept


def read_nginx_config(path: str) -> NginxObservation:
    try:
        data = read_regular(path, MAX_CONFIG_BYTES)  # never the whole of a huge file
    except FileProblem as exc:
        return NginxObservation(path, error=str(exc.strerror))
    if len(data) > MAX_CONFIG_BYTES:
        return NginxObservation(path, error=f"{path} is larger than {MAX_CONFIG_BYTES} bytes")
    try:
        tree = parse(data.decode("utf-8", errors="replace"))
    except NginxSyntaxError as exc:
        return NginxObservation(path, error=f"{path}: {exc}")
    return NginxObservation(path, tuple(d.to_dict() for d in relevant(tree)))
