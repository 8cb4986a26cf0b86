# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Calico label selectors: parse, check, print canonically and evaluate.

Calico chooses nodes for IP pools and BGP peers with a small expression
language (``IPPool.spec.nodeSelector``, ``BGPPeer.spec.nodeSelector``)::

    all()                        every node
    global()                     every node (Calico accepts it; kept for completeness)
    has(key)   !has(key)         the label is present / absent
    key == 'v'   key != 'v'      equal / not equal (!= is true when absent)
    key in {'a', 'b'}            one of the values (false when absent)
    key not in {'a', 'b'}        none of the values (true when absent)
    key contains 'x'             substring test (false when absent)
    key starts with 'x'          prefix test (false when absent)
    key ends with 'x'            suffix test (false when absent)
    !e   e && e   e || e   (e)   ! binds tightest, then &&, then ||

Label keys are checked against the Kubernetes rules, so a typo is caught
here rather than silently selecting no node at all. Values are quoted
with ' or " and follow the Kubernetes rules of a label value (the operands
of contains, starts with and ends with: its characters), since no node
could carry any other.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Optional, Union

from ansible_collections.flatnet.kube.plugins.module_utils._errors import FlatnetError

__all__ = [
    "All",
    "And",
    "Compare",
    "Global",
    "Has",
    "In",
    "Node",
    "Not",
    "Or",
    "canonical",
    "from_labels",
    "matches",
    "parse",
    "to_calico",
]

SYNTAX_HINT = "write label == 'value', has(label), all(), combined with && || ! and parentheses"
EMPTY_HINT = "use all() to select every node, or a label test such as node-role.kubernetes.io/ingress == 'ingress'"
KEY_HINT = (
    "a label key is a name of up to 63 letters, digits, '-', '_' or '.' that starts and ends with a letter or digit, "
    "optionally after a lower-case DNS prefix and '/', e.g. node-role.kubernetes.io/ingress"
)
VALUE_HINT = "a label value is empty or up to 63 letters, digits, '-', '_' or '.' that starts and ends with a letter or digit"

#: Deepest nesting of parentheses and ``!`` accepted; real selectors use a handful.
MAX_DEPTH = 64

_DNS_LABEL = r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?"
_DNS_SUBDOMAIN_RE = re.compile(rf"{_DNS_LABEL}(?:\.{_DNS_LABEL})*")
_NAME_RE = re.compile(r"[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?")
_NAME_RULE = "must start and end with a letter or digit and hold only letters, digits, '-', '_' or '.'"
_VALUE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./")
_PUNCTUATION = ("==", "!=", "&&", "||", "!", "(", ")", "{", "}", ",")
_STRING_OPS = {"==": "==", "!=": "!=", "contains": "contains", "starts": "starts with", "ends": "ends with"}
_CHAR_FIXES = {
    "=": "use == to compare a label with a value",
    "&": "use && for 'and'",
    "|": "use || for 'or'",
    "[": "write a set of values in braces, e.g. key in {'a', 'b'}",
    "]": "write a set of values in braces, e.g. key in {'a', 'b'}",
}
_EXCERPT = 16

# Binding strength, used to print as few parentheses as keep the meaning.
_OR_LEVEL = 1
_AND_LEVEL = 2
_ATOM_LEVEL = 3


def _quote(value: str) -> str:
    """Quote a value with single quotes, or double quotes if it holds a single quote."""
    if "'" in value:
        return f'"{value}"'
    return f"'{value}'"


# --------------------------------------------------------------------------
# Syntax tree: each node evaluates itself and prints itself canonically.
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class All:
    """``all()``: true for every node."""

    level = _ATOM_LEVEL

    def evaluate(self, labels: Mapping[str, str]) -> bool:  # pylint: disable=unused-argument
        """Return whether a node with these labels is selected."""
        return True

    def render(self) -> str:
        """Return the canonical text of this node."""
        return "all()"


@dataclass(frozen=True)
class Global:
    """``global()``: Calico treats it as true for every node."""

    level = _ATOM_LEVEL

    def evaluate(self, labels: Mapping[str, str]) -> bool:  # pylint: disable=unused-argument
        """Return whether a node with these labels is selected."""
        return True

    def render(self) -> str:
        """Return the canonical text of this node."""
        return "global()"


@dataclass(frozen=True)
class Has:
    """``has(key)``: the label is present, whatever its value."""

    key: str
    level = _ATOM_LEVEL

    def evaluate(self, labels: Mapping[str, str]) -> bool:
        """Return whether a node with these labels is selected."""
        return self.key in labels

    def render(self) -> str:
        """Return the canonical text of this node."""
        return f"has({self.key})"


@dataclass(frozen=True)
class Compare:
    """``key OP 'value'`` for ``==``, ``!=``, ``contains``, ``starts with``, ``ends with``."""

    key: str
    op: str
    value: str
    level = _ATOM_LEVEL

    def evaluate(self, labels: Mapping[str, str]) -> bool:
        """Return whether a node with these labels is selected."""
        actual = labels.get(self.key)
        if actual is None:
            return self.op == "!="
        actual = str(actual)
        if self.op == "==":
            return actual == self.value
        if self.op == "!=":
            return actual != self.value
        if self.op == "contains":
            return self.value in actual
        if self.op == "starts with":
            return actual.startswith(self.value)
        return actual.endswith(self.value)

    def render(self) -> str:
        """Return the canonical text of this node."""
        return f"{self.key} {self.op} {_quote(self.value)}"


@dataclass(frozen=True)
class In:
    """``key in {...}`` or, with ``negated``, ``key not in {...}``."""

    key: str
    values: tuple[str, ...]
    negated: bool = False
    level = _ATOM_LEVEL

    def evaluate(self, labels: Mapping[str, str]) -> bool:
        """Return whether a node with these labels is selected."""
        actual = labels.get(self.key)
        if actual is None:
            return self.negated
        return (str(actual) in self.values) != self.negated

    def render(self) -> str:
        """Return the canonical text of this node."""
        keyword = "not in" if self.negated else "in"
        return f"{self.key} {keyword} {{{', '.join(_quote(value) for value in self.values)}}}"


@dataclass(frozen=True)
class Not:
    """``!operand``."""

    operand: Node
    level = _ATOM_LEVEL

    def evaluate(self, labels: Mapping[str, str]) -> bool:
        """Return whether a node with these labels is selected."""
        return not self.operand.evaluate(labels)

    def render(self) -> str:
        """Return the canonical text of this node."""
        return "!" + _wrap(self.operand, self.level)


@dataclass(frozen=True)
class And:
    """``a && b && ...``; never directly holds another And."""

    operands: tuple[Node, ...]
    level = _AND_LEVEL

    def evaluate(self, labels: Mapping[str, str]) -> bool:
        """Return whether a node with these labels is selected."""
        return all(operand.evaluate(labels) for operand in self.operands)

    def render(self) -> str:
        """Return the canonical text of this node."""
        return " && ".join(_wrap(operand, self.level) for operand in self.operands)


@dataclass(frozen=True)
class Or:
    """``a || b || ...``; never directly holds another Or."""

    operands: tuple[Node, ...]
    level = _OR_LEVEL

    def evaluate(self, labels: Mapping[str, str]) -> bool:
        """Return whether a node with these labels is selected."""
        return any(operand.evaluate(labels) for operand in self.operands)

    def render(self) -> str:
        """Return the canonical text of this node."""
        return " || ".join(_wrap(operand, self.level) for operand in self.operands)


Node = Union[All, Global, Has, Compare, In, Not, And, Or]


def _wrap(node: Node, parent_level: int) -> str:
    """Render a child, in parentheses only if it binds more loosely than its parent."""
    text = node.render()
    if node.level < parent_level:
        return f"({text})"
    return text


def _join(kind: type, operands: list[Node]) -> Node:
    """Build an And or Or, folding in nested nodes of the same kind."""
    if len(operands) == 1:
        return operands[0]
    flat: list[Node] = []
    for operand in operands:
        if isinstance(operand, kind):
            flat.extend(operand.operands)
        else:
            flat.append(operand)
    return kind(tuple(flat))


# --------------------------------------------------------------------------
# Checks shared by the parser and from_labels
# --------------------------------------------------------------------------

def _prefix_problem(key: str, prefix: str) -> Optional[str]:
    """Say what is wrong with the DNS prefix of a label key, or return None."""
    if not prefix:
        return f"label key {key!r} has an empty prefix before '/'"
    if len(prefix) > 253:
        return f"the prefix of label key {key!r} is {len(prefix)} characters long, more than 253"
    if not _DNS_SUBDOMAIN_RE.fullmatch(prefix):
        return f"the prefix {prefix!r} of label key {key!r} is not a lower-case DNS subdomain (a-z, 0-9, '-' and '.')"
    return None


def _key_problem(key: str) -> Optional[str]:
    """Say what is wrong with a Kubernetes label key, or return None if it is valid."""
    if key.count("/") > 1:
        return f"label key {key!r} has more than one '/'"
    prefix, slash, label_name = key.rpartition("/")
    problem = _prefix_problem(key, prefix) if slash else None
    subject = f"the name {label_name!r} of label key {key!r}" if slash else f"label key {key!r}"
    if problem is None:
        if not label_name:
            problem = f"label key {key!r} has an empty name after '/'" if slash else "the label key is empty"
        elif len(label_name) > 63:
            problem = f"{subject} is {len(label_name)} characters long, more than 63"
        elif not _NAME_RE.fullmatch(label_name):
            problem = f"{subject} {_NAME_RULE}"
    return problem


def label_value_problem(value: str) -> Optional[str]:
    """Say what is wrong with a Kubernetes label value, or return None if it is valid."""
    return _value_problem(value)


def _value_problem(value: str) -> Optional[str]:
    """Say what is wrong with a Kubernetes label value, or return None if it is valid."""
    if not value:
        return None
    if len(value) > 63:
        return f"label value {value!r} is {len(value)} characters long, more than 63"
    if not _NAME_RE.fullmatch(value):
        return f"label value {value!r} {_NAME_RULE}"
    return None


# --------------------------------------------------------------------------
# Tokenizer and parser
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class _Token:
    """One token: kind is "word", "string", "punct" or "end"; pos is its offset."""

    kind: str
    text: str
    pos: int

    def is_punct(self, text: str) -> bool:
        """Return whether this is the punctuation ``text``."""
        return self.kind == "punct" and self.text == text

    def describe(self) -> str:
        """Name the token for an error message."""
        if self.kind == "end":
            return "the end of the selector"
        if self.kind == "string":
            return f"the quoted value {_quote(self.text)}"
        return repr(self.text)


class _Parser:
    """Recursive-descent parser over the tokens of one expression."""

    def __init__(self, expr: str, name: str) -> None:
        self.expr = expr
        self.name = name
        self.index = 0
        self.depth = 0
        self.tokens = self._tokenize()

    # -- errors -----------------------------------------------------------

    def fail(self, pos: int, problem: str, fix: str = "") -> FlatnetError:
        """Build the error for a problem found at character offset ``pos``."""
        if pos >= len(self.expr):
            where = f"at character {len(self.expr) + 1} (the end of the selector)"
        else:
            excerpt = self.expr[pos:pos + _EXCERPT]
            if pos + _EXCERPT < len(self.expr):
                excerpt += "..."
            where = f"at character {pos + 1} (near {excerpt!r})"
        advice = f"{fix}; {SYNTAX_HINT}" if fix else SYNTAX_HINT
        return FlatnetError(f"{self.name}: {self.expr!r} is not a valid Calico selector; parsing failed {where}: {problem}. To fix it, {advice}.")

    # -- tokens -----------------------------------------------------------

    def _tokenize(self) -> list[_Token]:
        expr = self.expr
        tokens = []
        pos = 0
        while pos < len(expr):
            char = expr[pos]
            if char.isspace():
                pos += 1
            elif char in "'\"":
                end = expr.find(char, pos + 1)
                if end < 0:
                    raise self.fail(pos, f"the value quoted with {char} is never closed", f"end the value with another {char}")
                tokens.append(_Token("string", expr[pos + 1:end], pos))
                pos = end + 1
            elif char in _WORD_CHARS:
                end = pos
                while end < len(expr) and expr[end] in _WORD_CHARS:
                    end += 1
                tokens.append(_Token("word", expr[pos:end], pos))
                pos = end
            else:
                punct = next((p for p in _PUNCTUATION if expr.startswith(p, pos)), None)
                if punct is None:
                    raise self.fail(pos, f"unexpected character {char!r}", _CHAR_FIXES.get(char, "remove it or put it inside a quoted value"))
                tokens.append(_Token("punct", punct, pos))
                pos += len(punct)
        tokens.append(_Token("end", "", len(expr)))
        return tokens

    def peek(self) -> _Token:
        """Return the current token without consuming it."""
        return self.tokens[self.index]

    def advance(self) -> _Token:
        """Consume and return the current token."""
        token = self.tokens[self.index]
        if token.kind != "end":
            self.index += 1
        return token

    def accept(self, kind: str, text: str) -> bool:
        """Consume the current token if it has this kind and text."""
        token = self.peek()
        if token.kind == kind and token.text == text:
            self.advance()
            return True
        return False

    def expect(self, kind: str, text: str, context: str, fix: str) -> None:
        """Consume a token of this kind and text, or fail saying what was expected."""
        if not self.accept(kind, text):
            found = self.peek()
            raise self.fail(found.pos, f"expected {text!r} {context} but found {found.describe()}", fix)

    def enter(self, token: _Token) -> None:
        """Count one more level of nesting and refuse absurd depths."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(token.pos, f"parentheses and ! are nested more than {MAX_DEPTH} deep", "simplify the expression")

    # -- grammar ----------------------------------------------------------

    def parse(self) -> Node:
        """selector := or, then nothing more."""
        node = self.parse_or()
        token = self.peek()
        if token.is_punct(")"):
            raise self.fail(token.pos, "this ')' has no matching '('", "remove it or add the missing '('")
        if token.kind != "end":
            raise self.fail(token.pos, f"expected && or || before {token.describe()}", "join label tests with && or ||")
        return node

    def parse_or(self) -> Node:
        """or := and ('||' and)*"""
        operands = [self.parse_and()]
        while self.accept("punct", "||"):
            operands.append(self.parse_and())
        return _join(Or, operands)

    def parse_and(self) -> Node:
        """and := unary ('&&' unary)*"""
        operands = [self.parse_unary()]
        while self.accept("punct", "&&"):
            operands.append(self.parse_unary())
        return _join(And, operands)

    def parse_unary(self) -> Node:
        """unary := '!' unary | primary"""
        token = self.peek()
        if not token.is_punct("!"):
            return self.parse_primary()
        self.advance()
        self.enter(token)
        operand = self.parse_unary()
        self.depth -= 1
        return Not(operand)

    def parse_primary(self) -> Node:
        """primary := '(' or ')' | all() | global() | has(key) | key test"""
        token = self.advance()
        if token.is_punct("("):
            self.enter(token)
            node = self.parse_or()
            self.depth -= 1
            self.expect("punct", ")", f"to close the '(' at character {token.pos + 1}", "add the missing ')'")
            return node
        if token.kind == "end":
            raise self.fail(token.pos, "expected a label test but reached the end of the selector",
                            "complete the expression or remove the trailing operator")
        if token.kind != "word":
            raise self.fail(token.pos, f"expected a label test but found {token.describe()}",
                            "start each test with a label key, has(, all(), ! or (")
        if self.peek().is_punct("("):
            return self.parse_function(token)
        return self.parse_test(token)

    def parse_function(self, word: _Token) -> Node:
        """all() | global() | has(key), with the word already consumed."""
        if word.text not in ("all", "global", "has"):
            raise self.fail(word.pos, f"unknown function {word.text!r}", "the only functions are has(label), all() and global()")
        self.advance()  # the '('
        if word.text != "has":
            self.expect("punct", ")", f"after {word.text}(", f"write {word.text}() with nothing inside the parentheses")
            return All() if word.text == "all" else Global()
        key = self.advance()
        if key.kind != "word":
            raise self.fail(key.pos, f"expected a label key inside has( but found {key.describe()}", "write has(label) with an unquoted label key")
        self.check_key(key)
        self.expect("punct", ")", f"after has({key.text}", "write has(label) with a single label key")
        return Has(key.text)

    def parse_test(self, key: _Token) -> Node:
        """A label key followed by an operator and its value or set."""
        self.check_key(key)
        token = self.advance()
        op = token.text if token.kind in ("punct", "word") else ""
        if op == "in":
            return In(key.text, self.parse_set())
        if op == "not":
            self.expect("word", "in", "after 'not'", f"write {key.text} not in {{'a', 'b'}}")
            return In(key.text, self.parse_set(), negated=True)
        if op not in _STRING_OPS:
            if token.kind == "end" or (token.kind == "punct" and token.text in ("&&", "||", ")")):
                raise self.fail(token.pos, f"label {key.text!r} is not tested",
                                f"write has({key.text}) to test that it is present, or {key.text} == 'value' to test its value")
            raise self.fail(token.pos, f"expected ==, !=, in, not in, contains, starts with or ends with after label {key.text!r} "
                            f"but found {token.describe()}", "put an operator between the label and its quoted value")
        if op in ("starts", "ends"):
            self.expect("word", "with", f"after {op!r}", f"write {key.text} {op} with 'value'")
        shown = _STRING_OPS[op]
        value = self.advance()
        if value.kind != "string":
            if value.kind == "word":
                fix = f"put the value in quotes: {key.text} {shown} '{value.text}'"
            else:
                fix = f"write {key.text} {shown} 'value'"
            raise self.fail(value.pos, f"expected a quoted value after {shown!r} but found {value.describe()}", fix)
        self.check_value(value, whole=op in ("==", "!="))
        return Compare(key.text, shown, value.text)

    def parse_set(self) -> tuple[str, ...]:
        """set := '{' [string (',' string)*] '}', duplicates dropped, order kept."""
        set_fix = "write a set of quoted values in braces, e.g. {'a', 'b'}, or {} for none"
        self.expect("punct", "{", "after 'in'", set_fix)
        values: list[str] = []
        if self.accept("punct", "}"):
            return ()
        while True:
            value = self.advance()
            if value.kind != "string":
                raise self.fail(value.pos, f"expected a quoted value in the set but found {value.describe()}", set_fix)
            self.check_value(value, whole=True)
            if value.text not in values:
                values.append(value.text)
            if self.accept("punct", "}"):
                return tuple(values)
            self.expect("punct", ",", "between values of the set (or '}' to end it)", set_fix)

    def check_value(self, token: _Token, whole: bool) -> None:
        """Fail if a quoted value could never be (``whole``) or be part of a Kubernetes label value.

        A node's label value follows the Kubernetes rules, so any other value selects nothing; refusing it also keeps
        every selector one line of plain text wherever it is rendered (a BGPPeer, a switch's description).
        """
        if whole:
            problem = _value_problem(token.text)
        elif len(token.text) > 63 or not _VALUE_CHARS.issuperset(token.text):
            problem = f"{token.text!r} cannot be part of a label value, which holds at most 63 letters, digits, '-', '_' or '.'"
        else:
            problem = None
        if problem is not None:
            raise self.fail(token.pos, problem, VALUE_HINT)

    def check_key(self, token: _Token) -> None:
        """Fail if a word used as a label key breaks the Kubernetes rules."""
        problem = _key_problem(token.text)
        if problem is not None:
            raise self.fail(token.pos, problem, KEY_HINT)


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------

@functools.lru_cache(maxsize=512)
def _parse_cached(expr: str, name: str) -> Node:
    if not expr.strip():
        raise FlatnetError(f"{name} is empty ({expr!r}); {EMPTY_HINT}")
    return _Parser(expr, name).parse()


def parse(expr: str, name: str = "selector") -> Node:
    """Parse a Calico selector into a tree; raise FlatnetError if it is not valid."""
    if not isinstance(expr, str):
        raise FlatnetError(f"{name} must be a string holding a Calico selector, not {type(expr).__name__} {expr!r}; {SYNTAX_HINT}")
    return _parse_cached(str(expr), str(name))


def canonical(expr: str, name: str = "selector") -> str:
    """Return the selector in one canonical spelling with the same meaning."""
    return parse(expr, name).render()


def from_labels(labels: Mapping[str, str], name: str = "selector") -> str:
    """Turn a Kubernetes matchLabels mapping into the Calico selector ``a == 'x' && b == 'y'``."""
    if not isinstance(labels, Mapping):
        raise FlatnetError(f"{name} must be a mapping of label keys to values, not {type(labels).__name__} {labels!r}")
    if not labels:
        raise FlatnetError(f"{name} is an empty mapping of labels ({{}}), which would select every node; list the labels the nodes "
                           "must carry, or, to select every node, write the selector string all()")
    tests = []
    for key, value in labels.items():
        if not isinstance(key, str):
            raise FlatnetError(f"{name}: label key {key!r} is {type(key).__name__}, not a string; {KEY_HINT}")
        if not isinstance(value, str):
            raise FlatnetError(f"{name}: the value of label {key!r} is {type(value).__name__} {value!r}, not a string; "
                               f"quote it in YAML, e.g. {key}: '{value}'")
        problem = _key_problem(key)
        if problem is not None:
            raise FlatnetError(f"{name}: {problem}; {KEY_HINT}")
        problem = _value_problem(value)
        if problem is not None:
            raise FlatnetError(f"{name}: {problem} (label {key!r}); {VALUE_HINT}")
        tests.append(Compare(str(key), "==", str(value)))
    tests.sort(key=lambda test: test.key)
    return _join(And, tests).render()


def to_calico(value: object, name: str = "selector") -> str:
    """Turn a matchLabels mapping or a selector string into a canonical Calico selector."""
    if isinstance(value, Mapping):
        return from_labels(value, name)
    if isinstance(value, str):
        return canonical(value, name)
    raise FlatnetError(f"{name} must be a Calico selector string such as \"node-role.kubernetes.io/ingress == 'ingress'\" or a mapping "
                       f"of label keys to values (matchLabels), not {type(value).__name__} {value!r}")


def matches(expr: str, labels: Mapping[str, str], name: str = "selector") -> bool:
    """Return whether a node carrying ``labels`` is chosen by the selector."""
    node = parse(expr, name)
    if not isinstance(labels, Mapping):
        raise FlatnetError(f"{name}: node labels must be a mapping of label keys to values, not {type(labels).__name__} {labels!r}")
    return node.evaluate(labels)
