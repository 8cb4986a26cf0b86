# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tests for the Calico selector parser, printer and evaluator."""

from __future__ import annotations

import itertools
import random

import pytest

from ansible_collections.flatnet.kube.plugins.module_utils import _selector as selector
from ansible_collections.flatnet.kube.plugins.module_utils._errors import FlatnetError

NAME = "flatnet_cluster.peer_selector"
SEED = "node-role.kubernetes.io/ingress == 'ingress'"
SYNTAX_FIX = "write label == 'value', has(label), all(), combined with && || ! and parentheses"


# --------------------------------------------------------------------------
# Every construct parses and prints in one canonical form
# --------------------------------------------------------------------------

CANONICAL = [
    ("all()", "all()"),
    ("  all ( )  ", "all()"),
    ("global()", "global()"),
    ("has(a)", "has(a)"),
    ("has( example.com/zone )", "has(example.com/zone)"),
    ("!has(a)", "!has(a)"),
    ("! has(a)", "!has(a)"),
    ("a == 'x'", "a == 'x'"),
    ('a=="x"', "a == 'x'"),
    ("a == ''", "a == ''"),
    ('a == "x.y_z-1"', "a == 'x.y_z-1'"),
    ("a != 'x'", "a != 'x'"),
    ("a!='x'", "a != 'x'"),
    ("a in {'x', 'y'}", "a in {'x', 'y'}"),
    ("a in {'y','x'}", "a in {'y', 'x'}"),
    ("a in {'x', 'y', 'x'}", "a in {'x', 'y'}"),
    ("a in {}", "a in {}"),
    ("a in { }", "a in {}"),
    ('a in {"x"}', "a in {'x'}"),
    ("a not in {'x','y'}", "a not in {'x', 'y'}"),
    ("a not   in {}", "a not in {}"),
    ("a contains 'x'", "a contains 'x'"),
    ("a starts with 'x'", "a starts with 'x'"),
    ("a  starts\twith 'x'", "a starts with 'x'"),
    ("a ends with 'x'", "a ends with 'x'"),
    ("a == 'x' && b == 'y'", "a == 'x' && b == 'y'"),
    ("a == 'x'&&b == 'y'", "a == 'x' && b == 'y'"),
    ("a == 'x' || b == 'y'", "a == 'x' || b == 'y'"),
    ("(a == 'x')", "a == 'x'"),
    ("((has(a)))", "has(a)"),
    ("!(a == 'x')", "!a == 'x'"),
    ("!a == 'x'", "!a == 'x'"),
    ("!!has(a)", "!!has(a)"),
    ("!(has(a) && has(b))", "!(has(a) && has(b))"),
    ("!(has(a) || has(b))", "!(has(a) || has(b))"),
    ("(has(a) || has(b)) && has(c)", "(has(a) || has(b)) && has(c)"),
    ("has(a) || (has(b) && has(c))", "has(a) || has(b) && has(c)"),
    ("(has(a) && has(b)) || has(c)", "has(a) && has(b) || has(c)"),
    ("has(a) && (has(b) && has(c))", "has(a) && has(b) && has(c)"),
    ("(has(a) || has(b)) || has(c)", "has(a) || has(b) || has(c)"),
    ("has(a) && (has(b) || has(c) && has(d))", "has(a) && (has(b) || has(c) && has(d))"),
    (SEED, SEED),
    ("node-role.kubernetes.io/ingress=='ingress'", SEED),
    ("kubernetes.io/hostname in {'node-1', 'node-2'}", "kubernetes.io/hostname in {'node-1', 'node-2'}"),
    ("has(node-role.kubernetes.io/control-plane)", "has(node-role.kubernetes.io/control-plane)"),
    ("topology.kubernetes.io/zone starts with 'eu-'", "topology.kubernetes.io/zone starts with 'eu-'"),
    ("Mixed_Case.name-1 == 'x'", "Mixed_Case.name-1 == 'x'"),
    ("has == 'x'", "has == 'x'"),
    ("all == 'x' && in in {'x'}", "all == 'x' && in in {'x'}"),
]


@pytest.mark.parametrize(("expr", "expected"), CANONICAL)
def test_canonical(expr, expected):
    """Each construct prints back in its one canonical spelling."""
    assert selector.canonical(expr, NAME) == expected


@pytest.mark.parametrize(("expr", "expected"), CANONICAL)
def test_to_calico_string_is_canonical(expr, expected):
    """A string given to to_calico comes back canonical."""
    assert selector.to_calico(expr, NAME) == expected


def test_parse_tree_shape():
    """The tree folds nested && and || and drops duplicate set values."""
    assert selector.parse("has(a) && (has(b) && has(c)) || !has(d)") == selector.Or((
        selector.And((selector.Has("a"), selector.Has("b"), selector.Has("c"))),
        selector.Not(selector.Has("d")),
    ))
    assert selector.parse("a not in {'x', 'x'}") == selector.In("a", ("x",), negated=True)
    assert selector.parse("a ends with 'x'") == selector.Compare("a", "ends with", "x")
    assert selector.parse("all()") == selector.All()
    assert selector.parse("global()") == selector.Global()


def test_parse_is_cached():
    """Parsing the same string twice reuses the cached tree."""
    expr = "cache.example.com/probe == 'yes'"
    assert selector.parse(expr, NAME) is selector.parse(expr, NAME)


# --------------------------------------------------------------------------
# Precedence: ! binds tightest, then &&, then ||
# --------------------------------------------------------------------------

@pytest.mark.parametrize(("labels", "expected"), [
    ({"a": "x"}, True),
    ({"a": "x", "b": "y"}, True),
    ({"b": "y"}, False),
    ({"c": "z"}, False),
    ({"b": "y", "c": "z"}, True),
    ({}, False),
])
def test_and_binds_tighter_than_or(labels, expected):
    """a || b && c means a || (b && c)."""
    expr = "a == 'x' || b == 'y' && c == 'z'"
    assert selector.matches(expr, labels, NAME) is expected
    assert selector.matches("a == 'x' || (b == 'y' && c == 'z')", labels, NAME) is expected


@pytest.mark.parametrize(("labels", "expected"), [
    ({"a": "x"}, False),
    ({"a": "x", "c": "z"}, True),
    ({"b": "y", "c": "z"}, True),
    ({"c": "z"}, False),
])
def test_parentheses_override_precedence(labels, expected):
    """Parentheses group an || under an &&."""
    assert selector.matches("(a == 'x' || b == 'y') && c == 'z'", labels, NAME) is expected


@pytest.mark.parametrize(("labels", "expected"), [
    ({}, True),
    ({"a": "x"}, False),
    ({"a": "x", "b": "y"}, True),
    ({"b": "y"}, True),
])
def test_not_binds_tightest(labels, expected):
    """! applies to the single test after it."""
    # !a == 'x' || b == 'y' is (!(a == 'x')) || (b == 'y')
    assert selector.matches("!a == 'x' || b == 'y'", labels, NAME) is expected


@pytest.mark.parametrize(("labels", "expected"), [
    ({}, True),
    ({"a": "1"}, True),
    ({"a": "1", "b": "2"}, False),
])
def test_not_of_group(labels, expected):
    """! before parentheses negates the whole group."""
    assert selector.matches("!(has(a) && has(b))", labels, NAME) is expected


# --------------------------------------------------------------------------
# Syntax errors: the message names the setting, quotes the input, says where and how to fix
# --------------------------------------------------------------------------

ERRORS = [
    ("(a == 'x'", "character 10", "add the missing ')'"),
    ("((has(a))", "character 10", "add the missing ')'"),
    ("a == 'x')", "character 9", "remove it or add the missing '('"),
    ("()", "character 2", "start each test with a label key"),
    ("a == 'x", "character 6", "end the value with another '"),
    ('a == "x', "character 6", 'end the value with another "'),
    ("a ==", "character 5", "write a == 'value'"),
    ("a == && b == 'y'", "character 6", "write a == 'value'"),
    ("a == x", "character 6", "put the value in quotes: a == 'x'"),
    ("a == 'x' &&", "character 12", "remove the trailing operator"),
    ("a == 'x' ||", "character 12", "remove the trailing operator"),
    ("&& a == 'x'", "character 1", "start each test with a label key"),
    ("a == 'x' || || b == 'y'", "character 13", "start each test with a label key"),
    ("!", "character 2", "remove the trailing operator"),
    ("-bad == 'x'", "character 1", "starts and ends with a letter or digit"),
    ("bad- == 'x'", "character 1", "starts and ends with a letter or digit"),
    ("has(-bad)", "character 5", "starts and ends with a letter or digit"),
    ("a/b/c == 'x'", "character 1", "more than one '/'"),
    ("Example.com/zone == 'x'", "character 1", "lower-case DNS"),
    ("example..com/zone == 'x'", "character 1", "lower-case DNS"),
    ("/zone == 'x'", "character 1", "empty prefix"),
    ("example.com/ == 'x'", "character 1", "empty name"),
    ("a" * 64 + " == 'x'", "more than 63", "up to 63"),
    ("example.com/" + "a" * 64 + " == 'x'", "more than 63", "up to 63"),
    (("a" * 60 + ".") * 5 + "io/k == 'x'", "more than 253", "lower-case DNS prefix"),
    ("key = 'v'", "character 5", "use =="),
    ("key=='v' & b=='w'", "character 10", "use && for 'and'"),
    ("key=='v' | b=='w'", "character 10", "use || for 'or'"),
    ("a", "character 2", "write has(a) to test that it is present"),
    ("a && b", "character 3", "write has(a)"),
    ("a b", "character 3", "put an operator between the label and its quoted value"),
    ("a == 'x' b == 'y'", "character 10", "join label tests with && or ||"),
    ("a in 'x'", "character 6", "{'a', 'b'}"),
    ("a in {'x',}", "character 11", "{'a', 'b'}"),
    ("a in {'x' 'y'}", "character 11", "{'a', 'b'}"),
    ("a in {x}", "character 7", "{'a', 'b'}"),
    ("a in {'x'", "character 10", "{'a', 'b'}"),
    ("a in ['x']", "character 6", "braces"),
    ("a not {'x'}", "character 7", "write a not in {'a', 'b'}"),
    ("a starts 'x'", "character 10", "write a starts with 'value'"),
    ("a ends 'x'", "character 8", "write a ends with 'value'"),
    ("a contains", "character 11", "write a contains 'value'"),
    ("has()", "character 5", "write has(label)"),
    ("has('a')", "character 5", "unquoted label key"),
    ("has(a b)", "character 7", "single label key"),
    ("has(a", "character 6", "single label key"),
    ("all(x)", "character 5", "write all() with nothing inside"),
    ("global(", "character 8", "write global() with nothing inside"),
    ("any()", "character 1", "the only functions are has(label), all() and global()"),
    ("a:b == 'x'", "character 2", "put it inside a quoted value"),
    ("a == 'x' @", "character 10", "put it inside a quoted value"),
    ("'x' == a", "character 1", "start each test with a label key"),
    ("(" * 80 + "all()" + ")" * 80, "character 65", "simplify the expression"),
    ("!" * 80 + "all()", "character 65", "simplify the expression"),
]


@pytest.mark.parametrize(("expr", "where", "fix"), ERRORS)
def test_syntax_errors(expr, where, fix):
    """Each error names the setting, quotes the input, says where and how to fix it."""
    with pytest.raises(FlatnetError) as caught:
        selector.parse(expr, NAME)
    message = str(caught.value)
    assert message.startswith(NAME + ":")
    assert repr(expr) in message
    assert where in message
    assert fix in message
    assert SYNTAX_FIX in message


@pytest.mark.parametrize("expr", ["a == 'x' &&", "(a == 'x'", "a == 'x", "a = 'v'"])
def test_errors_from_every_entry_point(expr):
    """canonical, to_calico and matches report the same errors as parse."""
    for call in (lambda: selector.canonical(expr, NAME), lambda: selector.to_calico(expr, NAME),
                 lambda: selector.matches(expr, {}, NAME)):
        with pytest.raises(FlatnetError, match=NAME):
            call()


def test_error_shows_excerpt():
    """The message shows the text from the failing character on, shortened."""
    with pytest.raises(FlatnetError) as caught:
        selector.parse("has(a) && zone = 'eu-west-1' && has(b)", NAME)
    assert "character 16 (near \"= 'eu-west-1' &&...\")" in str(caught.value)


def test_default_name():
    """Without a name the message starts with 'selector'."""
    with pytest.raises(FlatnetError, match=r"^selector: "):
        selector.parse("a ==")


@pytest.mark.parametrize("expr", ["", " ", "\t\n  "])
def test_empty(expr):
    """An empty selector points at all() and at a label test."""
    with pytest.raises(FlatnetError) as caught:
        selector.parse(expr, NAME)
    message = str(caught.value)
    assert message.startswith(NAME + " is empty")
    assert repr(expr) in message
    assert "use all() to select every node, or a label test such as node-role.kubernetes.io/ingress == 'ingress'" in message


@pytest.mark.parametrize("value", [None, 3, 1.5, True, ["a == 'x'"], b"a == 'x'"])
def test_parse_rejects_non_strings(value):
    """parse takes only strings."""
    with pytest.raises(FlatnetError, match=f"^{NAME} must be a string"):
        selector.parse(value, NAME)


# --------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------

@pytest.mark.parametrize(("labels", "expected"), [
    ({"node-role.kubernetes.io/ingress": "ingress"}, True),
    ({"node-role.kubernetes.io/ingress": "ingress", "kubernetes.io/hostname": "edge-1"}, True),
    ({"node-role.kubernetes.io/ingress": ""}, False),
    ({"node-role.kubernetes.io/ingress": "Ingress"}, False),
    ({"node-role.kubernetes.io/worker": "ingress"}, False),
    ({"kubernetes.io/hostname": "worker-1"}, False),
    ({}, False),
])
def test_seed_selector(labels, expected):
    """The ingress selector picks exactly the nodes labelled ingress."""
    assert selector.matches(SEED, labels, NAME) is expected


@pytest.mark.parametrize(("expr", "expected"), [
    ("all()", True),
    ("global()", True),
    ("has(zone)", False),
    ("!has(zone)", True),
    ("zone == 'a'", False),
    ("zone == ''", False),
    ("zone != 'a'", True),
    ("zone in {'a', 'b'}", False),
    ("zone in {}", False),
    ("zone not in {'a', 'b'}", True),
    ("zone not in {}", True),
    ("zone contains ''", False),
    ("zone contains 'a'", False),
    ("zone starts with ''", False),
    ("zone ends with ''", False),
    ("!zone == 'a'", True),
    ("!zone != 'a'", False),
])
def test_absent_label(expr, expected):
    """Tests on a missing label follow Calico: only != and not in hold."""
    assert selector.matches(expr, {"other": "a"}, NAME) is expected


@pytest.mark.parametrize(("expr", "expected"), [
    ("has(zone)", True),
    ("zone == 'eu-west-1'", True),
    ("zone == 'eu-west'", False),
    ("zone != 'eu-west-1'", False),
    ("zone != 'us-east-1'", True),
    ("zone in {'us-east-1', 'eu-west-1'}", True),
    ("zone in {'us-east-1'}", False),
    ("zone in {}", False),
    ("zone not in {'us-east-1', 'eu-west-1'}", False),
    ("zone not in {'us-east-1'}", True),
    ("zone not in {}", True),
    ("zone contains 'west'", True),
    ("zone contains 'east'", False),
    ("zone contains ''", True),
    ("zone starts with 'eu-'", True),
    ("zone starts with 'us-'", False),
    ("zone ends with '-1'", True),
    ("zone ends with '-2'", False),
])
def test_present_label(expr, expected):
    """Each operator against a label that is present."""
    assert selector.matches(expr, {"zone": "eu-west-1"}, NAME) is expected


def test_has_is_true_for_empty_value():
    """A label with an empty value is still present."""
    assert selector.matches("has(zone)", {"zone": ""}, NAME) is True
    assert selector.matches("zone == ''", {"zone": ""}, NAME) is True


@pytest.mark.parametrize("labels", [None, ["zone"], "zone=a"])
def test_matches_rejects_non_mapping_labels(labels):
    """Node labels must be a mapping."""
    with pytest.raises(FlatnetError, match="node labels must be a mapping"):
        selector.matches("has(zone)", labels, NAME)


# --------------------------------------------------------------------------
# matchLabels mappings
# --------------------------------------------------------------------------

def test_from_labels_seed():
    """A one-label matchLabels becomes a single == test."""
    assert selector.from_labels({"node-role.kubernetes.io/ingress": "ingress"}) == SEED


def test_from_labels_sorts_keys():
    """Several labels become && of == tests in key order."""
    labels = {"zone": "eu-1", "node-role.kubernetes.io/ingress": "ingress", "b": ""}
    expected = "b == '' && node-role.kubernetes.io/ingress == 'ingress' && zone == 'eu-1'"
    assert selector.from_labels(labels, NAME) == expected
    assert selector.to_calico(labels, NAME) == expected
    assert selector.canonical(expected, NAME) == expected
    assert selector.matches(expected, {"zone": "eu-1", "node-role.kubernetes.io/ingress": "ingress", "b": "", "c": "d"}, NAME)


def test_from_labels_empty():
    """An empty matchLabels is refused with a pointer to all()."""
    with pytest.raises(FlatnetError) as caught:
        selector.from_labels({}, NAME)
    message = str(caught.value)
    assert NAME in message
    assert "{}" in message
    assert "to select every node, write the selector string all()" in message


@pytest.mark.parametrize(("labels", "fragment", "fix"), [
    ({"-bad": "x"}, "'-bad'", "starts and ends with a letter or digit"),
    ({"a/b/c": "x"}, "'a/b/c'", "lower-case DNS prefix"),
    ({"Example.com/zone": "x"}, "'Example.com/zone'", "lower-case DNS prefix"),
    ({"a" * 64: "x"}, "more than 63", "up to 63"),
    ({"": "x"}, "empty", "up to 63"),
    ({"zone": "-x"}, "'-x'", "a label value is empty or up to 63"),
    ({"zone": "x" * 64}, "more than 63", "a label value is empty or up to 63"),
    ({"zone": "a b"}, "'a b'", "a label value is empty or up to 63"),
    ({"zone": "it's"}, "\"it's\"", "a label value is empty or up to 63"),
    ({"zone": 1}, "int 1", "quote it in YAML"),
    ({"zone": True}, "bool True", "quote it in YAML"),
    ({"zone": None}, "NoneType None", "quote it in YAML"),
    ({1: "x"}, "1", "up to 63"),
])
def test_from_labels_rejects(labels, fragment, fix):
    """Bad keys and values in matchLabels are refused with the rule."""
    with pytest.raises(FlatnetError) as caught:
        selector.from_labels(labels, NAME)
    message = str(caught.value)
    assert message.startswith(NAME)
    assert fragment in message
    assert fix in message


@pytest.mark.parametrize("value", [None, [], ["a == 'x'"], 0, 1, True, False, 1.5, ("all()",)])
def test_to_calico_rejects_other_types(value):
    """Only strings and mappings are selectors."""
    with pytest.raises(FlatnetError) as caught:
        selector.to_calico(value, NAME)
    message = str(caught.value)
    assert message.startswith(NAME)
    assert "selector string" in message
    assert "mapping" in message
    assert type(value).__name__ in message


def test_to_calico_empty_string():
    """An empty string is refused by to_calico too."""
    with pytest.raises(FlatnetError, match="is empty"):
        selector.to_calico("", NAME)


# --------------------------------------------------------------------------
# Round trip
# --------------------------------------------------------------------------

ROUND_TRIP = [
    "all()",
    "global()",
    "has(a)",
    "!has(a)",
    "a == 'x'",
    'a == "x.y_z-1"',
    "a != ''",
    "a in {'x', 'y', 'x'}",
    "a not in {}",
    "a contains 'x-y'",
    "a starts with 'p'",
    "a ends with 's'",
    "!a == 'x'",
    "!!a == 'x'",
    "!(a == 'x')",
    "a == 'x' || b == 'y' && c == 'z'",
    "(a == 'x' || b == 'y') && c == 'z'",
    "a == 'x' && (b == 'y' || c == 'z')",
    "((a == 'x') && (b == 'y')) || (c == 'z')",
    "!(a == 'x' || b == 'y') && !(c == 'z' && has(a))",
    "!(!(has(a) || has(b)) && has(c))",
    "has(a) && has(b) && has(c) || has(d) && !has(e)",
    "(has(a) || (has(b) || (has(c) || has(d))))",
    "(((has(a) && has(b)) && has(c)) && has(d))",
    "a in {'x'} || b not in {'y', 'z'} && c contains 'q'",
    "(a in {} || all()) && !global()",
    SEED + " && !has(node-role.kubernetes.io/control-plane)",
    "kubernetes.io/os == 'linux' && (topology.kubernetes.io/zone in {'a', 'b'} || has(example.com/edge))",
    "a == 'x'&&b=='y'||!(c!='z')",
    "!(a starts with 'p' && a ends with 's') || a contains '.'",
]

LABEL_SETS = [
    dict(zip(("a", "b", "c", "d", "e"), values))
    for values in itertools.product(("x", "y", "z", "p-q-s", "'"), repeat=3)
] + [
    {},
    {"d": "1"},
    {"e": "1"},
    {"a": "x", "d": "1", "e": "1"},
    {"node-role.kubernetes.io/ingress": "ingress"},
    {"node-role.kubernetes.io/ingress": "ingress", "node-role.kubernetes.io/control-plane": ""},
    {"kubernetes.io/os": "linux", "topology.kubernetes.io/zone": "b"},
    {"kubernetes.io/os": "linux", "example.com/edge": "true"},
    {"kubernetes.io/os": "windows", "example.com/edge": "true"},
]


@pytest.mark.parametrize("expr", ROUND_TRIP)
def test_round_trip(expr):
    """Canonical form is stable and keeps the tree and its meaning."""
    once = selector.canonical(expr, NAME)
    assert selector.canonical(once, NAME) == once
    assert selector.parse(once, NAME) == selector.parse(expr, NAME)
    for labels in LABEL_SETS:
        assert selector.matches(once, labels, NAME) is selector.matches(expr, labels, NAME), labels


# --------------------------------------------------------------------------
# Bounded fuzz: parse returns a tree or raises FlatnetError, nothing else
# --------------------------------------------------------------------------

FUZZ_TOKENS = [
    "a", "b", "zone", "example.com/zone", "has", "all", "global", "(", ")", "()", "!", "&&", "||", "&", "|",
    "==", "!=", "=", "in", "not", "contains", "starts", "with", "ends", "{", "}", ",", "{}", "'v'", '"w"',
    "'", '"', "-bad", "A/b", "a/b/c", ":", "@", "[", "]", "\t", "\n", "\u00e9", "has(a)", "all()", "a == 'x'",
]
FUZZ_KEYS = ["a", "b", "zone", "example.com/zone", "in", "has"]
FUZZ_VALUES = ["''", "'x'", '"v"', "'it-s'", '"it.s"', "'it s'"]


def _fuzz_expression(rng, depth=0):
    """Token list of a well-formed selector, built from the grammar at random."""
    roll = rng.randrange(10 if depth < 3 else 6)
    key = rng.choice(FUZZ_KEYS)
    if roll == 0:
        tokens = [rng.choice(["all", "global"]), "(", ")"]
    elif roll == 1:
        tokens = ["has", "(", key, ")"]
    elif roll == 2:
        tokens = [key, rng.choice(["==", "!=", "contains", "starts with", "ends with"]), rng.choice(FUZZ_VALUES)]
    elif roll in (3, 4, 5):
        tokens = [key, rng.choice(["in", "not in"]), "{", ", ".join(rng.sample(FUZZ_VALUES, rng.randint(0, 3))), "}"]
    elif roll == 6:
        tokens = ["!"] + _fuzz_expression(rng, depth + 1)
    elif roll == 7:
        tokens = ["("] + _fuzz_expression(rng, depth + 1) + [")"]
    else:
        tokens = _fuzz_expression(rng, depth + 1) + [rng.choice(["&&", "||"])] + _fuzz_expression(rng, depth + 1)
    return tokens


def _fuzz_input(rng):
    """A selector-ish string: random tokens, or a valid expression with a few random edits."""
    if rng.random() < 0.3:
        tokens = rng.choices(FUZZ_TOKENS, k=rng.randint(0, 12))
    else:
        tokens = _fuzz_expression(rng)
        for _edit in range(rng.choice([0, 0, 1, 2])):
            where = rng.randrange(len(tokens) + 1)
            edit = rng.randrange(3)
            if edit == 0 and where < len(tokens):
                del tokens[where]
            elif edit == 1 and where < len(tokens):
                tokens[where] = rng.choice(FUZZ_TOKENS)
            else:
                tokens.insert(where, rng.choice(FUZZ_TOKENS))
    return "".join(token + rng.choice(("", " ", "  ")) for token in tokens)


def test_fuzz():
    """Random selector-ish input parses or raises FlatnetError, never anything else."""
    rng = random.Random(1)
    parsed = failed = 0
    for _case in range(500):
        expr = _fuzz_input(rng)
        try:
            node = selector.parse(expr, NAME)
        except FlatnetError as err:
            assert str(err).startswith(NAME)
            failed += 1
            continue
        parsed += 1
        once = node.render()
        assert selector.canonical(once, NAME) == once
        assert selector.parse(once, NAME) == node
        assert isinstance(selector.matches(expr, {"a": "x", "zone": "v"}, NAME), bool)
    # Both paths are exercised, so the fuzz keeps its teeth if the generator changes.
    assert parsed > 100
    assert failed > 100


@pytest.mark.parametrize("expr, shown", [
    ("a == 'ingress\nip prefix-list FLATNET-IN seq 1 permit 0.0.0.0/0 le 32'", "label value 'ingress\\nip prefix-list"),
    ("a == \"it's\"", "label value \"it's\""),
    ("a != 'two words'", "label value 'two words'"),
    ("a in {'x', 'y\rz'}", "label value 'y\\rz'"),
    ("a contains 'x\x00'", "'x\\x00' cannot be part of a label value"),
    ("a starts with '!'", "'!' cannot be part of a label value"),
    ("a ends with 'x y'", "'x y' cannot be part of a label value"),
    ("a == '%s'" % ("x" * 64), "64 characters long, more than 63"),
])
def test_values_no_node_could_carry_are_refused(expr, shown):
    """A quoted value follows the label value rules, so a selector stays one line of plain text wherever it goes."""
    with pytest.raises(FlatnetError) as caught:
        selector.to_calico(expr, NAME)
    assert str(caught.value).startswith(NAME) and shown in str(caught.value) and selector.VALUE_HINT in str(caught.value)
