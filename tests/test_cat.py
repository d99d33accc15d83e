"""Tests for paralens.cat: arrows, their interpretations, and the category laws."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import paralens
import paralens.numpy as pnp
from paralens import cat, tree
from paralens.cat import Arrow
from paralens.testing import random_like

# Generators for random arrows. Every one is smooth and bounded on moderate inputs, so
# random compositions stay well conditioned.
affine = cat.lift(lambda x: x * 0.5 + 1.0, name="affine")
UNARY: list[Arrow[Any, Any]] = [
    cat.sin,
    cat.cos,
    cat.tanh,
    cat.neg,
    cat.sigmoid,
    affine,
    cat.dup >> cat.mul,
    (cat.id & cat.const(0.3)) >> cat.add,
]
BINARY: list[Arrow[Any, Any]] = [cat.add, cat.sub, cat.mul]


def _extend(children: st.SearchStrategy[Arrow[Any, Any]]) -> st.SearchStrategy[Arrow[Any, Any]]:
    binary = st.sampled_from(BINARY)
    return st.one_of(
        st.tuples(children, children).map(lambda fg: fg[0] >> fg[1]),
        st.tuples(children, children, binary).map(lambda t: (t[0] & t[1]) >> t[2]),
        st.tuples(children, children, binary).map(lambda t: cat.dup >> (t[0] * t[1]) >> t[2]),
    )


arrows = st.recursive(st.sampled_from(UNARY), _extend, max_leaves=5)
floats = st.floats(-2.0, 2.0, allow_nan=False)
inputs = st.one_of(
    floats,
    st.lists(floats, min_size=3, max_size=3).map(np.array),
)


def close(a: Any, b: Any) -> bool:
    la, lb = tree.tree_leaves(a), tree.tree_leaves(b)
    return len(la) == len(lb) and all(
        np.allclose(x, y, rtol=1e-9, atol=1e-12) for x, y in zip(la, lb, strict=True)
    )


def assert_equivalent(f: Arrow[Any, Any], g: Arrow[Any, Any], x: Any, seed: int = 0) -> None:
    """``f`` and ``g`` agree at ``x`` as values, as linear maps and as pullbacks."""
    rng = np.random.default_rng(seed)
    assert close(f(x), g(x)), (f, g)
    (yf, df), (yg, dg) = cat.forward(f)(x), cat.forward(g)(x)
    t = random_like(x, rng)
    assert close(yf, yg) and close(df(t), dg(t)), (f, g)
    (yf, pf), (yg, pg) = cat.reverse(f)(x), cat.reverse(g)(x)
    u = random_like(yf, rng)
    assert close(pf(u), pg(u)), (f, g)


# Showing and inspecting arrows.


PAIR = (0.3, 0.7)


@pytest.mark.parametrize(
    ("arrow", "text", "x"),
    [
        (cat.sin >> (cat.id & cat.cos) >> cat.mul, "sin >> (id & cos) >> mul", 0.3),
        (cat.sin >> ((cat.id & cat.cos) >> cat.mul), "sin >> (id & cos) >> mul", 0.3),
        ((cat.sin * cat.cos) >> cat.add, "sin * cos >> add", PAIR),
        ((cat.sin >> cat.cos) * cat.exp, "(sin >> cos) * exp", PAIR),
        (cat.sin * (cat.cos * cat.exp), "sin * (cos * exp)", (0.3, PAIR)),
        ((cat.sin * cat.cos) * cat.exp, "sin * cos * exp", (PAIR, 0.3)),
        ((cat.sin & cat.cos) & cat.exp, "sin & cos & exp", 0.3),
        (cat.sin & (cat.cos & cat.exp), "sin & (cos & exp)", 0.3),
        (cat.sin >> cat.cos & cat.exp, "sin >> cos & exp", 0.3),
        ((cat.sin & cat.cos) * cat.id, "(sin & cos) * id", PAIR),
        (cat.dup >> cat.exl, "dup >> exl", 0.3),
        (cat.const(2.0) & cat.exr, "const(2.0) & exr", PAIR),
        (cat.lift(pnp.sum, axis=0) >> cat.neg, "sum(axis=0) >> neg", np.ones((2, 2))),
    ],
)
def test_repr_reads_back_as_python(arrow: Arrow[Any, Any], text: str, x: Any) -> None:
    assert repr(arrow) == text
    namespace: dict[str, Any] = {name: getattr(cat, name) for name in cat.__all__}
    namespace["sum"] = lambda axis: cat.lift(pnp.sum, axis=axis)
    again = eval(text, namespace)
    assert repr(again) == text
    assert_equivalent(again, arrow, x)


def test_structure_is_public_and_read_only() -> None:
    f = cat.sin >> (cat.id & cat.cos) >> cat.mul
    assert f.kind == "then" and f.name == ">>"
    left, right = f.children
    assert left.kind == "then" and [c.name for c in left.children] == ["sin", "&"]
    assert right is cat.mul and right.kind == "primitive" and right.arity == 2
    assert right.primitive is paralens._core.primitive_of(pnp.multiply)
    assert [a.kind for a in f.walk()] == [
        "then",
        "then",
        "primitive",
        "fork",
        "id",
        "primitive",
        "primitive",
    ]
    assert [a.name for a in f.walk() if not a.children] == ["sin", "id", "cos", "mul"]
    assert cat.const(3.0).value == 3.0 and cat.const(3.0).children == ()
    assert cat.lift(pnp.sum, axis=1).params == (("axis", 1),)
    assert affine.kind == "lift" and affine.fn is not None and affine.primitive is None
    assert set(cat.GENERATORS) | set(cat.COMBINATORS) == {a.kind for a in _all_kinds()}
    with pytest.raises(AttributeError, match="immutable"):
        f.kind = "fork"  # type: ignore[misc]


def _all_kinds() -> list[Arrow[Any, Any]]:
    f = (cat.sin * affine) >> (cat.exl & cat.exr & cat.const(1.0)) >> (cat.dup & cat.id)
    return list(f.walk())


# Interpretations agree with each other and with the tape engine.

EXAMPLES: list[tuple[Arrow[Any, Any], Any]] = [
    (cat.sin >> (cat.id & cat.cos) >> cat.mul, 0.7),
    (cat.sin >> (cat.id & cat.cos) >> cat.mul, np.array([0.1, -0.4, 1.2])),
    ((cat.exp * cat.log) >> cat.div, (0.3, 2.5)),
    (cat.dup >> (cat.sqrt * cat.square) >> cat.sub, np.array([0.5, 1.5])),
    ((cat.exl & (cat.exr >> cat.tanh)) >> cat.matmul, (np.eye(2) + 0.5, np.array([0.2, -1.0]))),
    ((cat.const(np.array([[1.0, 2.0], [0.5, -1.0]])) & cat.id) >> cat.matmul, np.ones(2)),
    (cat.lift(pnp.sum, axis=0), np.arange(6.0).reshape(3, 2)),
    (cat.relu >> affine >> cat.tan, np.array([-0.5, 0.25])),
    ((cat.exr & cat.exl) >> cat.sub, (np.float64(1.5), np.float64(-2.0))),
]


@pytest.mark.parametrize(("arrow", "x"), EXAMPLES, ids=lambda v: repr(v)[:40])
def test_interpretations_agree_with_the_tape_engine(arrow: Arrow[Any, Any], x: Any) -> None:
    rng = np.random.default_rng(1)
    t = random_like(x, rng)
    y, linear_map = cat.forward(arrow)(x)
    y_ref, t_ref = paralens.jvp(arrow, (x,), (t,))
    assert close(y, arrow(x)) and close(y, y_ref)
    assert close(linear_map(t), t_ref)
    y, pullback = cat.reverse(arrow)(x)
    u = random_like(y, rng)
    _, pullback_ref = paralens.vjp(arrow, x)
    assert close(pullback(u), pullback_ref(u)[0])


def test_grad_agrees_with_paralens_grad_and_keeps_types() -> None:
    f = cat.sin >> (cat.id & cat.cos) >> cat.mul
    g = cat.grad(f)(0.7)
    assert type(g) is float
    assert np.isclose(g, paralens.grad(f)(0.7))
    model = (cat.const(np.array([[1.0, -2.0], [0.5, 0.3]])) & cat.id) >> cat.matmul
    loss = model >> cat.tanh >> cat.square >> cat.lift(pnp.sum)
    x = np.array([0.3, -0.2], dtype=np.float32)
    g = cat.grad(loss)(x)
    assert g.dtype == np.float32 and g.shape == (2,)
    assert np.allclose(g, paralens.grad(loss)(x), rtol=1e-5)
    pair = cat.grad(cat.mul)((2.0, 5.0))
    assert pair == (5.0, 2.0)


def test_second_derivatives_through_the_interpretations() -> None:
    f = cat.sin >> (cat.id & cat.cos) >> cat.mul
    x = 0.4
    expected = paralens.grad(paralens.grad(f))(x)
    assert np.isclose(paralens.grad(cat.grad(f))(x), expected)
    assert np.isclose(paralens.jvp(cat.grad(f), (x,), (1.0,))[1], expected)

    def slope(x: Any) -> Any:
        return cat.forward(f)(x)[1](1.0)

    assert np.isclose(paralens.grad(slope)(x), expected)
    # On pairs, given as a tuple of Vars or as one Var of a tuple: d/d(a, b) of 2 a b^2.
    square_of_product = cat.mul >> cat.square
    for pack in (lambda p: p, paralens.sequence):
        hessian_row = paralens.grad(lambda p: cat.grad(square_of_product)(pack(p))[0])
        assert close(hessian_row((2.0, 3.0)), (18.0, 24.0))


def test_fork_pullback_adds_and_parallel_pullback_splits() -> None:
    _, pullback = cat.reverse(cat.id & cat.id)(2.0)
    assert pullback((1.0, 3.0)) == 4.0
    _, pullback = cat.reverse(cat.id * cat.neg)((2.0, 5.0))
    assert close(pullback((1.0, 3.0)), (1.0, -3.0))
    _, pullback = cat.reverse(cat.exl)((2.0, np.ones(2)))
    assert close(pullback(7.0), (7.0, np.zeros(2)))
    _, linear_map = cat.forward(cat.const(np.ones(3)))(2.0)
    assert close(linear_map(1.0), np.zeros(3))


# The laws, on random arrows and inputs.

LAWS = settings(max_examples=25, deadline=None)


@LAWS
@given(arrows, inputs)
def test_identity_law(f: Arrow[Any, Any], x: Any) -> None:
    assert_equivalent(cat.id >> f, f, x)
    assert_equivalent(f >> cat.id, f, x)


@LAWS
@given(arrows, arrows, arrows, inputs)
def test_then_is_associative(
    f: Arrow[Any, Any], g: Arrow[Any, Any], h: Arrow[Any, Any], x: Any
) -> None:
    assert_equivalent((f >> g) >> h, f >> (g >> h), x)


@LAWS
@given(arrows, arrows, inputs)
def test_cartesian_laws(f: Arrow[Any, Any], g: Arrow[Any, Any], x: Any) -> None:
    h = f & g
    assert_equivalent(h >> cat.exl, f, x)
    assert_equivalent(h >> cat.exr, g, x)
    assert_equivalent((h >> cat.exl) & (h >> cat.exr), h, x)
    assert_equivalent(cat.exl & cat.exr, cat.id, (x, x))
    assert_equivalent(cat.dup, cat.id & cat.id, x)
    assert_equivalent(f * g, (cat.exl >> f) & (cat.exr >> g), (x, x))


@LAWS
@given(arrows, inputs, st.integers(0, 2**16))
def test_forward_and_reverse_are_transposes(f: Arrow[Any, Any], x: Any, seed: int) -> None:
    rng = np.random.default_rng(seed)
    y, linear_map = cat.forward(f)(x)
    _, pullback = cat.reverse(f)(x)
    v, u = random_like(x, rng), random_like(y, rng)
    lhs = tree.inner(linear_map(v), u)
    rhs = tree.inner(v, pullback(u))
    assert np.isclose(lhs, rhs, rtol=1e-9, atol=1e-12)


@LAWS
@given(arrows, inputs, st.integers(0, 2**16))
def test_random_arrows_agree_with_the_tape_engine(f: Arrow[Any, Any], x: Any, seed: int) -> None:
    rng = np.random.default_rng(seed)
    v = random_like(x, rng)
    y, linear_map = cat.forward(f)(x)
    y_ref, t_ref = paralens.jvp(f, (x,), (v,))
    assert close(y, y_ref) and close(linear_map(v), t_ref)
    loss = f >> cat.lift(pnp.sum)
    assert close(cat.grad(loss)(x), paralens.grad(loss)(x))


@LAWS
@given(arrows, arrows, arrows, inputs)
def test_then_of_three_is_the_chain(
    f: Arrow[Any, Any], g: Arrow[Any, Any], h: Arrow[Any, Any], x: Any
) -> None:
    flat = cat.then(f, g, h)
    assert flat.kind == "then" and flat.children == (f, g, h)
    assert repr(flat) == repr(f >> g >> h)
    assert_equivalent(flat, (f >> g) >> h, x)


# Errors.


def test_errors_name_the_mistake() -> None:
    with pytest.raises(TypeError, match=r"cat.lift\(fn\)"):
        cat.sin >> pnp.cos  # type: ignore[operator]
    with pytest.raises(TypeError, match=r"takes a pair"):
        cat.exl(1.0)
    with pytest.raises(TypeError, match=r"tuple of 2 values"):
        cat.mul((1.0, 2.0, 3.0))
    with pytest.raises(TypeError, match=r"scalar output.*shape \(2,\)"):
        cat.grad(cat.sin)(np.ones(2))
    with pytest.raises(TypeError, match="needs a function"):
        cat.lift(3.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="arity >= 1"):
        cat.lift(pnp.sin, arity=0)
    with pytest.raises(ValueError, match=r"composition of no parts is cat.id"):
        cat.then()
    with pytest.raises(TypeError, match=r"cat.lift\(fn\)"):
        cat.then(cat.sin, pnp.cos)  # type: ignore[arg-type]


# Types: >> & and * are typed by what flows in and out.

TYPE_SNIPPET = """
from paralens.cat import Arrow
from paralens import cat

def make() -> None:
    length: Arrow[str, int] = cat.lift(len)
    halve: Arrow[int, float] = cat.lift(lambda n: n / 2)
    shout: Arrow[str, str] = cat.lift(str.upper)
    ok: Arrow[str, float] = length >> halve
    both: Arrow[str, tuple[int, str]] = length & shout
    side: Arrow[tuple[str, int], tuple[int, float]] = length * halve
    bad = halve >> length  # E: Unsupported operand types for >>
    wrong: Arrow[str, tuple[int, int]] = length & shout  # E: Unsupported operand types for &
    reveal_type(ok)  # N: Arrow[str, float]
"""


def test_composition_is_type_checked(tmp_path: Path) -> None:
    api = pytest.importorskip("mypy.api")
    source = textwrap.dedent(TYPE_SNIPPET)
    snippet = tmp_path / "snippet.py"
    snippet.write_text(source)
    cache = Path(__file__).resolve().parent.parent / ".mypy_cache"
    out, _, _ = api.run(["--strict", "--cache-dir", str(cache), str(snippet)])
    found = {
        (int(m.group(1)), m.group(2)[0].upper(), m.group(3))
        for m in re.finditer(r"snippet\.py:(\d+): (error|note): (.*)", out)
    }
    for number, line in enumerate(source.splitlines(), start=1):
        marker = re.search(r"# ([EN]): (.*)$", line)
        matching = [f for f in found if f[0] == number]
        if marker is None:
            assert not [f for f in matching if f[1] == "E"], (line, matching)
        else:
            kind, text = marker.groups()
            assert any(f[1] == kind and text in f[2] for f in matching), (line, out)
