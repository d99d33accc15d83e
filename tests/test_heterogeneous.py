"""Gradients with respect to structured, heterogeneous values.

A gradient has the exact structure and leaf types of its argument: a dataclass's gradient
is that dataclass, a NamedTuple's that NamedTuple, a float's a float, a float32 array's a
float32 array. Integer leaves are constants and get a zero of their own type.
"""

import itertools
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pytest

import paralens
import paralens.numpy as pnp
from paralens import tree
from paralens.extend import defjvp, defvjp, primitive
from paralens.testing import check_grads, check_leaf


@dataclass(frozen=True)
class Affine:
    w: np.ndarray
    b: np.ndarray
    scale: float


@dataclass
class Mutable:
    w: np.ndarray
    temperature: float
    steps: int = 3
    tags: dict = field(default_factory=dict)


class Layer(NamedTuple):
    w: np.ndarray
    b: np.ndarray


@dataclass(frozen=True)
class Checked:
    """A dataclass whose constructor rejects what a cotangent may well be."""

    scale: float

    def __post_init__(self):
        if self.scale <= 0:
            raise ValueError("scale must be positive")


X = np.array([[0.5, -1.0, 2.0], [1.5, 0.3, -0.7]])


def affine_loss(p: Affine, x=X):
    return pnp.sum(pnp.tanh(x @ p.w + p.b) * p.scale) + p.scale**2


def make_affine():
    rng = np.random.default_rng(0)
    return Affine(rng.standard_normal((3, 2)), rng.standard_normal(2), 1.5)


def test_dataclass_of_arrays_and_a_float():
    p = make_affine()
    g = paralens.grad(affine_loss)(p)
    assert type(g) is Affine
    assert type(g.w) is np.ndarray and g.w.shape == (3, 2) and g.w.dtype == np.float64
    assert type(g.b) is np.ndarray and g.b.shape == (2,)
    assert type(g.scale) is float
    h = np.tanh(X @ p.w + p.b)
    np.testing.assert_allclose(g.scale, np.sum(h) + 2 * p.scale)
    np.testing.assert_allclose(g.b, np.sum((1 - h**2) * p.scale, axis=0))
    np.testing.assert_allclose(g.w, X.T @ ((1 - h**2) * p.scale))
    check_grads(affine_loss, (p,))


def test_float32_stays_float32():
    p = Layer(np.ones((3, 2), np.float32), np.zeros(2, np.float32))
    g = paralens.grad(lambda p: pnp.sum(X.astype(np.float32) @ p.w + p.b))(p)
    assert type(g) is Layer
    assert g.w.dtype == np.float32 and g.b.dtype == np.float32
    s = paralens.grad(lambda s: s * s)(np.float32(3.0))
    assert type(s) is np.float32 and s == 6.0


def test_non_frozen_dataclass_with_integer_and_dict_fields():
    p = Mutable(np.array([1.0, 2.0]), 0.5, 7, {"lr": 0.1, "n": 2})

    def loss(p):
        assert p.steps == 7 and p.tags["n"] == 2
        return pnp.sum(p.w**2) * p.temperature + p.tags["lr"] * p.steps

    g = paralens.grad(loss)(p)
    assert type(g) is Mutable
    np.testing.assert_allclose(g.w, [1.0, 2.0])
    assert g.temperature == 5.0 and type(g.temperature) is float
    assert g.steps == 0 and type(g.steps) is int
    assert g.tags == {"lr": 7.0, "n": 0}
    assert type(g.tags["lr"]) is float and type(g.tags["n"]) is int
    assert p.w.tolist() == [1.0, 2.0] and p.temperature == 0.5  # inputs untouched


def test_frozen_dataclass_with_validation_gets_a_negative_gradient():
    g = paralens.grad(lambda c: -3.0 * c.scale)(Checked(2.0))
    assert type(g) is Checked and g.scale == -3.0


def test_dict_of_namedtuples():
    params = {
        "hidden": Layer(np.full((3, 4), 0.1), np.zeros(4)),
        "out": Layer(np.full((4, 1), -0.2), np.array([0.3])),
    }

    def loss(params, x):
        h = pnp.relu(x @ params["hidden"].w + params["hidden"].b)
        return pnp.mean((h @ params["out"].w + params["out"].b) ** 2)

    g = paralens.grad(loss)(params, X)
    assert type(g) is dict and list(g) == ["hidden", "out"]
    for name, layer in g.items():
        assert type(layer) is Layer
        assert layer.w.shape == params[name].w.shape and layer.b.shape == params[name].b.shape
    check_grads(loss, (params, X))


def test_list_of_weight_bias_tuples():
    rng = np.random.default_rng(1)
    sizes = [3, 5, 4, 2]
    params = [
        (rng.standard_normal((m, n)) / np.sqrt(m), rng.standard_normal(n) * 0.1)
        for m, n in itertools.pairwise(sizes)
    ]

    def mlp_loss(params, x):
        for w, b in params[:-1]:
            x = pnp.sigmoid(x @ w + b)
        w, b = params[-1]
        return -pnp.sum(pnp.log_softmax(x @ w + b)[:, 0])

    value, (g, gx) = paralens.backprop(mlp_loss, params, X)
    assert isinstance(value, float | np.floating)
    assert type(g) is list and len(g) == 3
    for (w, b), (gw, gb) in zip(params, g, strict=True):
        assert gw.shape == w.shape and gb.shape == b.shape
    assert gx.shape == X.shape
    check_grads(mlp_loss, (params, X))


def test_nested_structures():
    params = {"a": [1.0, (np.array([2.0, 3.0]), None)], "b": Layer(np.ones(2), np.ones(1))}

    def f(p):
        a0, (arr, nothing) = p["a"]
        assert nothing is None
        return a0 * pnp.sum(arr) + pnp.sum(p["b"].w * arr) + p["b"].b[0]

    g = paralens.grad(f)(params)
    assert tree.tree_structure(g) == tree.tree_structure(params)
    assert g["a"][0] == 5.0 and type(g["a"][0]) is float
    np.testing.assert_allclose(g["a"][1][0], [2.0, 2.0])
    assert g["a"][1][1] is None
    assert type(g["b"]) is Layer
    np.testing.assert_allclose(g["b"].w, [2.0, 3.0])
    np.testing.assert_allclose(g["b"].b, [1.0])
    _, t = paralens.jvp(f, (params,), (tree.ones_like(params),))
    assert t == pytest.approx(2.0 + 1.0 * 5.0 + 2.0 + 5.0 + 1.0)


# A primitive whose value is a container: inside a transform it is a Var of that container,
# reached into by indexing, iteration and attribute access (lenses).


class Polar(NamedTuple):
    r: float
    theta: float


@primitive
def to_polar(x, y):
    return Polar(float(np.hypot(x, y)), float(np.arctan2(y, x)))


defvjp(
    to_polar,
    lambda ans, x, y: lambda g: g.r * x / ans.r - g.theta * y / ans.r**2,
    lambda ans, x, y: lambda g: g.r * y / ans.r + g.theta * x / ans.r**2,
)
defjvp(
    to_polar,
    lambda t, ans, x, y: Polar(t * x / ans.r, -t * y / ans.r**2),
    lambda t, ans, x, y: Polar(t * y / ans.r, t * x / ans.r**2),
)


@primitive
def split_dict(v):
    return {"head": v[0], "tail": v[1:]}


defvjp(
    split_dict,
    lambda ans, v: lambda g: pnp.concatenate([pnp.reshape(g["head"], (1,)), g["tail"]]),
)
defjvp(split_dict, lambda t, ans, v: {"head": t[0], "tail": t[1:]})


def test_var_of_namedtuple_attribute_access_and_iteration():
    def f(x, y):
        p = to_polar(x, y)
        assert isinstance(p, paralens.Var) and len(p) == 2
        r, theta = p
        return p.r * 2.0 + theta + r * 0.0

    x, y = 3.0, 4.0
    gx, gy = paralens.grad(f, argnums=(0, 1))(x, y)
    assert gx == pytest.approx(2 * x / 5 - y / 25)
    assert gy == pytest.approx(2 * y / 5 + x / 25)
    only_r = paralens.grad(lambda x, y: to_polar(x, y).r)(x, y)
    assert only_r == pytest.approx(x / 5)
    _, t = paralens.jvp(f, (x, y), (1.0, 0.0))
    assert t == pytest.approx(gx)
    check_grads(lambda x, y: to_polar(x, y).r * to_polar(x, y).theta, (x, y), order=2)


def test_var_of_dict_indexing_and_items():
    v = np.array([1.0, 2.0, 3.0])

    def f(v):
        d = split_dict(v)
        assert sorted(d.keys()) == ["head", "tail"]
        total = 0.0
        for key, part in d.items():
            total = total + (3.0 if key == "head" else 1.0) * pnp.sum(part * part)
        return total + pnp.sum(d["tail"])

    np.testing.assert_allclose(paralens.grad(f)(v), [6.0, 5.0, 7.0])
    check_grads(f, (v,))


def test_integer_leaves_get_zero_gradients_of_their_type():
    params = {"w": np.array([1.0, 2.0]), "n": 3, "idx": np.array([1, 0]), "flag": True}

    def f(p):
        return pnp.sum(p["w"][p["idx"]] * p["n"]) if p["flag"] else 0.0

    g = paralens.grad(f)(params)
    np.testing.assert_allclose(g["w"], [3.0, 3.0])
    assert g["n"] == 0 and type(g["n"]) is int
    assert g["flag"] is False
    assert g["idx"].dtype == params["idx"].dtype and not g["idx"].any()


@pytest.mark.parametrize("value", [3, np.array([1, 2]), (1, 2), {"a": 1, "b": [2, True]}])
def test_an_all_integer_argument_raises(value):
    with pytest.raises(TypeError, match="only integers"):
        paralens.grad(lambda v: 1.0)(value)


# A user leaf type with its own vector space, and a user container.


class Vec2:
    """A plain 2-D vector, not an array and not a container."""

    __slots__ = ("x", "y")

    def __init__(self, x, y):
        self.x, self.y = x, y

    def __eq__(self, other):
        return type(other) is Vec2 and (self.x, self.y) == (other.x, other.y)

    def __repr__(self):
        return f"Vec2({self.x}, {self.y})"


tree.register_leaf(
    Vec2,
    zeros=lambda v: Vec2(0.0, 0.0),
    add=lambda a, b: Vec2(a.x + b.x, a.y + b.y),
    ones=lambda v: Vec2(1.0, 1.0),
    scale=lambda s, v: Vec2(s * v.x, s * v.y),
    inner=lambda a, b: a.x * b.x + a.y * b.y,
)


@primitive
def norm_sq(v):
    return v.x * v.x + v.y * v.y


@primitive
def vec_scale(a, v):
    return Vec2(a * v.x, a * v.y)


defvjp(norm_sq, lambda ans, v: lambda g: Vec2(2.0 * g * v.x, 2.0 * g * v.y))
defjvp(norm_sq, lambda t, ans, v: 2.0 * (t.x * v.x + t.y * v.y))
defvjp(
    vec_scale,
    lambda ans, a, v: lambda g: g.x * v.x + g.y * v.y,
    lambda ans, a, v: lambda g: Vec2(a * g.x, a * g.y),
)
defjvp(
    vec_scale,
    lambda t, ans, a, v: Vec2(t * v.x, t * v.y),
    lambda t, ans, a, v: Vec2(a * t.x, a * t.y),
)


def test_registered_leaf_type_in_grad_and_jvp():
    v = Vec2(1.0, 2.0)
    assert paralens.grad(norm_sq)(v) == Vec2(2.0, 4.0)
    ga, gv = paralens.grad(lambda a, v: norm_sq(vec_scale(a, v)), argnums=(0, 1))(3.0, v)
    assert ga == pytest.approx(2 * 3.0 * 5.0)
    assert gv == Vec2(18.0, 36.0)
    value, t = paralens.jvp(lambda v: norm_sq(vec_scale(2.0, v)), (v,), (Vec2(1.0, 0.0),))
    assert value == 20.0 and t == 8.0
    g = paralens.grad(lambda p: norm_sq(p["v"]) * p["k"])({"v": v, "k": 2.0})
    assert g == {"v": Vec2(4.0, 8.0), "k": 5.0}
    check_grads(lambda a, v: norm_sq(vec_scale(a, v)), (0.7, v), order=1)


def test_check_leaf_passes_the_registered_leaves():
    check_leaf(Vec2, Vec2(1.0, -2.0))
    check_leaf(float, 0.5)
    check_leaf(complex, 1.0 + 2.0j)
    check_leaf(np.ndarray, np.array([[1.0, 2.0], [3.0, 4.0]]))
    check_leaf(np.ndarray, np.array([1.0, -0.5], dtype=np.float32))
    check_leaf(np.float64, np.float64(3.0))


class Broken(Vec2):
    """A Vec2 registered with one vector-space operation wrong at a time."""


BROKEN = {
    "add does not commute": {
        "add": lambda a, b: Broken(a.x + b.x + a.y * b.x - a.x * b.y, a.y + b.y)
    },
    "zero is not neutral": {"zeros": lambda v: Broken(1.0, 0.0)},
    "scale does not scale": {"scale": lambda s, v: Broken(s * s * v.x, s * v.y)},
    "inner is not symmetric": {"inner": lambda a, b: a.x * b.x + a.x * b.y},
    "inner is not positive": {"inner": lambda a, b: -(a.x * b.x + a.y * b.y)},
    "coerce does not keep the type": {"coerce": lambda primal, ct: (ct.x, ct.y)},
}


@pytest.mark.parametrize("axiom", sorted(BROKEN))
def test_check_leaf_names_the_axiom_a_broken_leaf_fails(axiom):
    ops = {
        "zeros": lambda v: Broken(0.0, 0.0),
        "add": lambda a, b: Broken(a.x + b.x, a.y + b.y),
        "ones": lambda v: Broken(1.0, 1.0),
        "scale": lambda s, v: Broken(s * v.x, s * v.y),
        "inner": lambda a, b: a.x * b.x + a.y * b.y,
    }
    tree.register_leaf(Broken, **{**ops, **BROKEN[axiom]})
    with pytest.raises(AssertionError, match=f"leaf type Broken: .*{axiom}"):
        check_leaf(Broken, Broken(1.0, -2.0))


def test_check_leaf_refuses_what_is_not_a_registered_leaf():
    with pytest.raises(TypeError, match="not a registered leaf type"):
        check_leaf(Mutable, Mutable(1, 2))
    with pytest.raises(TypeError, match="an example of type Vec2"):
        check_leaf(Vec2, 1.0)


class Pair:
    """A user container: not a dataclass, not a tuple."""

    def __init__(self, first, second):
        self.first, self.second = first, second


tree.register_node(
    Pair,
    flatten=lambda p: ([p.first, p.second], None),
    unflatten=lambda aux, children: Pair(*children),
)


def test_registered_node_type_in_grad_and_jvp():
    p = Pair(np.array([1.0, -1.0]), 2.0)

    def f(p):
        return pnp.sum(pnp.exp(p.first)) * p.second

    g = paralens.grad(f)(p)
    assert type(g) is Pair
    np.testing.assert_allclose(g.first, np.exp([1.0, -1.0]) * 2.0)
    assert g.second == pytest.approx(np.exp(1.0) + np.exp(-1.0)) and type(g.second) is float
    _, t = paralens.jvp(f, (p,), (Pair(np.array([1.0, 0.0]), 0.0),))
    assert t == pytest.approx(2.0 * np.exp(1.0))
    check_grads(f, (p,))


@dataclass(frozen=True)
class Moments:
    mean: np.ndarray
    scale: float


@primitive
def moments(x):
    return Moments(np.mean(x, axis=0), float(np.std(x)))


@primitive
def halves(x):
    return [x[:2], x[2:], 2.0 * x]


defvjp(
    moments,
    lambda ans, x: (
        lambda g: (
            pnp.broadcast_to(g.mean / pnp.shape(x)[0], pnp.shape(x))
            + g.scale * (x - pnp.mean(x)) / (pnp.size(x) * ans.scale)
        )
    ),
)
defvjp(
    halves,
    lambda ans, x: lambda g: pnp.concatenate([g[0], g[1]]) + 2.0 * g[2],
)


def test_var_of_dataclass_and_of_list():
    x = np.array([[1.0, 2.0], [3.0, 5.0], [0.0, -1.0]])

    def f(x):
        m = moments(x)
        return pnp.sum(m.mean * np.array([1.0, 2.0])) + 3.0 * m.scale

    check_grads(f, (x,), order=1, modes=("rev",))
    assert isinstance(paralens.vjp(moments, x)[0], Moments)
    seen = []
    paralens.grad(lambda x: seen.append(moments(x)) or pnp.sum(x))(x)
    assert isinstance(seen[0], paralens.Var) and isinstance(seen[0].value, Moments)
    with pytest.raises(AttributeError, match="Its fields are: mean, scale"):
        paralens.grad(lambda x: moments(x).variance)(x)

    v = np.array([1.0, 2.0, 3.0, 4.0])

    def g(v):
        parts = halves(v)
        assert len(parts) == 3
        first, *rest = parts
        later = parts[1:]
        return pnp.sum(first) + 10.0 * pnp.sum(rest[0]) + pnp.sum(later[1] * later[1])

    np.testing.assert_allclose(paralens.grad(g)(v), [1.0, 1.0, 10.0, 10.0] + 8.0 * v)
