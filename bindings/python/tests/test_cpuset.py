import pickle

import pytest

from nodecore import MAX_CPU_ID, CPUSet, NodecoreError, Status


@pytest.mark.parametrize(
    "text, canonical",
    [("", ""), ("0", "0"), ("3,0-2", "0-3"), ("0-3,8,10-11", "0-3,8,10-11"), ("5,4,3,9,8,7", "3-5,7-9"), ("+1", "1")],
)
def test_parse_and_str_round_trip(text, canonical):
    s = CPUSet.parse(text)
    assert str(s) == canonical
    assert CPUSet.parse(str(s)) == s


@pytest.mark.parametrize(
    "text, part",
    [
        ("3-1", 'invalid range "3-1" (3 > 1)'),
        ("1-", 'strconv.Atoi: parsing "": invalid syntax'),
        ("a", 'strconv.Atoi: parsing "a": invalid syntax'),
        ("0-9000", "8191"),
    ],
)
def test_parse_errors_are_upstreams(text, part):
    with pytest.raises(NodecoreError) as raised:
        CPUSet.parse(text)
    assert raised.value.kind == "parse"
    assert raised.value.status == Status.PARSE == 100
    assert part in raised.value.message


def test_behaves_like_a_frozenset():
    s = CPUSet([8, 3, 0, 1, 2, 3])
    assert (str(s), len(s), list(s)) == ("0-3,8", 5, [0, 1, 2, 3, 8])
    assert 8 in s and 4 not in s and -1 not in s and "8" not in s
    assert bool(s) and not CPUSet() and len(CPUSet()) == 0
    assert hash(s) == hash(CPUSet.parse("0-3,8")) and len({s, CPUSet.parse("0-3,8")}) == 1
    assert repr(s) == "CPUSet.parse('0-3,8')"
    assert pickle.loads(pickle.dumps(s)) == s


def test_set_algebra():
    a, b = CPUSet.parse("0-5"), CPUSet.parse("4-9")
    assert str(a | b) == "0-9"
    assert str(a & b) == "4-5"
    assert str(a - b) == "0-3"
    assert str(a ^ b) == "0-3,6-9"
    assert str(a.union([20], CPUSet([21]))) == "0-5,20-21"
    assert str(a.intersection(b, [5])) == "5"
    assert str(a.difference([0], [1])) == "2-5"
    assert (a & b) <= a and (a & b) < a and not a < a and a >= (a & b) and a > (a & b)
    assert not a <= b and a.issubset(range(10)) and a.issuperset([1, 2]) and a.isdisjoint([7])
    assert a != b and a == CPUSet(range(6))
    with pytest.raises(TypeError):
        a | {1}


def test_ids_are_checked():
    with pytest.raises(NodecoreError) as raised:
        CPUSet([1, MAX_CPU_ID + 1])
    assert raised.value.kind == "invalid-argument"
    with pytest.raises(ValueError):
        CPUSet([-1])
    with pytest.raises(TypeError):
        CPUSet("0-3")
    assert str(CPUSet([MAX_CPU_ID])) == str(MAX_CPU_ID)


def test_long_sets_format_past_the_first_buffer():
    s = CPUSet(range(0, 8192, 2))
    text = str(s)
    assert text.count(",") == 4095 and text.endswith(",8190")
    assert CPUSet.parse(text) == s
