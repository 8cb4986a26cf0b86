# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The lab's own evaluator of Calico selectors, written apart from the collection's, so that the two can check each
other on one table of cases (tests/lab/test_selector_oracle.py).

The grammar, as Calico's documentation gives it::

    expr   := or
    or     := and ('||' and)*
    and    := unary ('&&' unary)*
    unary  := '!' unary | '(' expr ')' | term
    term   := 'all()' | 'global()' | 'has(' key ')' | key op value | key ['not'] 'in' '{' values '}'
    op     := '==' | '!=' | 'contains' | 'starts with' | 'ends with'

It evaluates as it parses: no tree is kept. A label that is absent makes ``==``, ``in``, ``contains``, ``starts
with`` and ``ends with`` false, and ``!=`` and ``not in`` true. A selector it cannot read raises ValueError.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import List, Tuple

_TOKEN = re.compile(r"""\s*(?:(?P<string>'[^']*'|"[^"]*")|(?P<op>&&|\|\||==|!=|!|\(|\)|\{|\}|,)|(?P<word>[A-Za-z0-9_./-]+))""")


def _tokens(text: str) -> List[Tuple[str, str]]:
    found, position = [], 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise ValueError("cannot read the selector at %r" % text[position:])
        kind = match.lastgroup or ""
        value = match.group(kind)
        found.append((kind, value[1:-1] if kind == "string" else value))
        position = match.end()
    return found


class _Reader:
    def __init__(self, text: str, labels: Mapping) -> None:
        self.tokens = _tokens(text)
        self.at = 0
        self.labels = labels

    def peek(self, offset: int = 0) -> Tuple[str, str]:
        index = self.at + offset
        return self.tokens[index] if index < len(self.tokens) else ("end", "")

    def take(self, kind: str, value: str = "") -> str:
        found = self.peek()
        if found[0] != kind or (value and found[1] != value):
            raise ValueError("expected %s, found %r" % (value or kind, found[1] or "the end"))
        self.at += 1
        return found[1]

    def either(self) -> bool:
        result = self.both()
        while self.peek() == ("op", "||"):
            self.at += 1
            right = self.both()
            result = result or right
        return result

    def both(self) -> bool:
        result = self.unary()
        while self.peek() == ("op", "&&"):
            self.at += 1
            right = self.unary()
            result = result and right
        return result

    def unary(self) -> bool:
        if self.peek() == ("op", "!"):
            self.at += 1
            return not self.unary()
        if self.peek() == ("op", "("):
            self.at += 1
            inner = self.either()
            self.take("op", ")")
            return inner
        return self.term()

    def term(self) -> bool:
        word = self.take("word")
        if word in ("all", "global") and self.peek() == ("op", "("):
            self.take("op", "(")
            self.take("op", ")")
            return True
        if word == "has" and self.peek() == ("op", "("):
            self.take("op", "(")
            key = self.take("word")
            self.take("op", ")")
            return key in self.labels
        value = self.labels.get(word)
        kind, op = self.peek()
        if kind == "op" and op in ("==", "!="):
            self.at += 1
            wanted = self.take("string")
            return (value == wanted) if op == "==" else (value != wanted)
        if (kind, op) == ("word", "not") and self.peek(1) == ("word", "in"):
            self.at += 2
            return value not in self.values()
        if (kind, op) == ("word", "in"):
            self.at += 1
            return value in self.values()
        if (kind, op) == ("word", "contains"):
            self.at += 1
            part = self.take("string")
            return value is not None and part in value
        if (kind, op) in (("word", "starts"), ("word", "ends")) and self.peek(1) == ("word", "with"):
            self.at += 2
            part = self.take("string")
            return value is not None and (value.startswith(part) if op == "starts" else value.endswith(part))
        raise ValueError("expected an operator after %r, found %r" % (word, op or "the end"))

    def values(self) -> set:
        self.take("op", "{")
        found = set()
        if self.peek() != ("op", "}"):
            found.add(self.take("string"))
            while self.peek() == ("op", ","):
                self.at += 1
                found.add(self.take("string"))
        self.take("op", "}")
        return found


def matches(selector: str, labels: Mapping) -> bool:
    """Whether a node with ``labels`` is selected by ``selector`` (an empty selector selects every node)."""
    if not selector.strip():
        return True
    reader = _Reader(selector, labels)
    result = reader.either()
    if reader.peek()[0] != "end":
        raise ValueError("unexpected %r after the selector's end" % reader.peek()[1])
    return result
