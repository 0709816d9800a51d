"""A case file from anywhere: whatever it holds, reading it gives a `Case` or a
`CaseFileError` that names the field, never another exception (an "unexpected error")."""

from __future__ import annotations

import codecs
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bundleguard.case.model import (
    Case,
    CaseFileError,
    case_from_bytes,
    case_from_json,
    case_to_bytes,
)
from bundleguard.case.store import load_case
from bundleguard.cli import main

HEAD = '{"format": "bundleguard-case", "version": 1, '


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        # Numbers Python will not read (more than 4,300 digits) or JSON has not.
        ('"version": 1' + "0" * 5000, r"'version' is a number of 5,001 digits"),
        ('"site": ' + "7" * 5000, r"'site' is a number of 5,000 digits"),
        ('"appliances": [{"hostname": "a", "port": -' + "9" * 9000 + "}]",
         r"'appliances\[0\].port' is a number of 9,000 digits"),
        ('"site": NaN', r"'site' is NaN, not a number"),
        ('"later": {"ratio": Infinity}', r"'later.ratio' is Infinity, not a number"),
        ('"later": [-Infinity]', r"'later\[0\]' is -Infinity, not a number"),
        ('"later": 1e999', r"'later' is 1e999, not a number"),
        ('"later": 0.' + "1" * 5000, r"'later' is a number of 5,002 digits"),
        # A NUL in a path (the system would refuse it with an error naming no field).
        ('"files": ["/certs/a\\u0000.pem"]', r"'files\[0\]' holds a NUL character"),
        ('"output": "/out\\u0000"', r"'output' holds a NUL character"),
        ('"appliances": [{"hostname": "a", "screenshot": "s\\u0000.png"}]',
         r"'appliances\[0\].screenshot' holds a NUL"),
        ('"replication": {"exported_pkcs12": "/e\\u0000.p12"}',
         r"'replication.exported_pkcs12' holds a NUL"),
        # A wrong type deep inside.
        ('"appliances": [{"hostname": ["a"]}]', r"'appliances\[0\].hostname' is not a text"),
        ('"appliances": [{"hostname": "a", "role": {"x": 1}}]', r"'appliances\[0\].role' is not"),
        ('"appliances": {"0": {"hostname": "a"}}', r"'appliances' is not a list"),
        ('"files": {"a": "b"}', r"'files' is not a list"),
        ('"files": [["/a.pem"]]', r"'files\[0\]' is not a path"),
        ('"files": [""]', r"'files\[0\]' is not a path"),
        ('"replication": []', r"'replication' is not an object"),
        ('"replication": {"imported": {"a": 1}}', r"'imported' is not a list"),
        ('"replication": {"imported": [["a"]]}', r"'replication.imported\[0\]' is not a hostname"),
        ('"replication": {"verification": []}', r"'replication.verification' is not an object"),
        ('"replication": {"verification": {"ok": true, "text": ["a"]}}',
         r"'replication.verification.text' is not a text"),
        ('"replication": {"verification": {"ok": true, "summary": {}}}',
         r"'replication.verification.summary' is not a text"),
        ('"replication": {"verification": {"ok": 1}}', r"'replication.verification.ok' is not"),
        ('"version": 1.0', "no version number"),
        # Keys twice: JSON does not say which one counts.
        ('"site": "a.example.com", "site": "b.example.com"', r"'site' appears twice"),
        ('"appliances": [{"hostname": "a", "hostname": "b"}]',
         r"'appliances\[0\].hostname' appears twice"),
        ('"later": {"x": 1, "x": 2}', r"'later.x' appears twice"),
        # Deeply nested, in a field this version does not know.
        ('"later": ' + nested(40), r"'later(\[0\])+' is nested too deeply"),
        ('"later": ' + nested(50_000), r"nested too deeply"),
        # A field name holding a control character is named escaped.
        ('"x\\u001by": {"z": NaN}', r"'x\\x1by.z' is NaN"),
    ],
)  # fmt: skip
def test_a_hostile_document_is_a_message_naming_the_field(tmp_path, body, reason):
    path = tmp_path / "hostile.bgcase"
    head = HEAD if not body.startswith('"version"') else '{"format": "bundleguard-case", '
    path.write_bytes((head + body + "}").encode())
    with pytest.raises(CaseFileError, match=reason) as raised:
        load_case(path)
    assert str(raised.value).startswith(f"'{path}' cannot be opened: ")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (HEAD.encode() + b'"site": "caf\xe9"}', r"not UTF-8 text \(at byte 57\)"),
        (HEAD.encode() + b'"site": "\xed\xa0\x80"}', "not UTF-8 text"),  # a surrogate as bytes
        ((HEAD + '"site": "a"}').encode("utf-16"), "UTF-16 text, not UTF-8"),
        (codecs.BOM_UTF8 * 2 + HEAD.encode() + b"}", r"damaged \(Unexpected UTF-8 BOM"),
        (HEAD.encode() + b'"site": "a\x00b"}', r"damaged \(Invalid control character"),
        (b"", r"damaged \(Expecting value at line 1\)"),
    ],
)
def test_bytes_that_are_not_a_json_text_are_a_clear_message(tmp_path, data, reason):
    path = tmp_path / "bytes.bgcase"
    path.write_bytes(data)
    with pytest.raises(CaseFileError, match=reason):
        load_case(path)


def test_a_byte_order_mark_as_notepad_writes_it_is_read():
    data = codecs.BOM_UTF8 + (HEAD + '"site": "bom.example.com"}').encode()
    assert case_from_bytes(data).site == "bom.example.com"


def test_the_command_line_says_the_same_message_and_no_unexpected_error(capsys, tmp_path):
    path = tmp_path / "hostile.bgcase"
    path.write_bytes((HEAD + '"files": ["/a\\u0000"], "site": ' + "1" * 5000 + "}").encode())
    with pytest.raises(CaseFileError) as raised:
        load_case(path)
    for argv in (["case", "show", str(path)], ["bundle", "--case", str(path)]):
        code = main(argv)
        err = capsys.readouterr().err
        assert code == 2, err
        assert "unexpected" not in err
        assert str(raised.value) in err


# ------------------------------------------------------------------- properties

# JSON-like values, with what breaks naive readers: huge and non-finite numbers, NUL,
# lone surrogates, control characters, deep nesting.
# Texts that broke readers and writers: a Latin-1 file name as Linux gives it, half a
# UTF-16 pair, NUL, a bidi override, a line break.
NASTY = ["caf\udce9.pem", "\ud800", "a\x00b", "\u202e", "x\ny", "/", "."]
TEXT = st.one_of(
    st.text(
        st.one_of(
            st.characters(codec=None, exclude_categories=()),
            st.sampled_from(["\x00", "\ud800", "\udce9", "\u202e", "\n"]),
        ),
        max_size=12,
    ),
    st.sampled_from(NASTY),
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(0, 99).map(lambda n: n or -(10**5000)),  # now and then 5,000 digits
    st.floats(allow_nan=True, allow_infinity=True),
    TEXT,
    st.sampled_from(["primary", "backup", "node", "bundleguard-case", 1, True, ""]),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.one_of(
                TEXT,
                st.sampled_from(
                    [
                        "site",
                        "files",
                        "appliances",
                        "hostname",
                        "role",
                        "replication",
                        "verification",
                        "ok",
                        "text",
                        "imported",
                        "output",
                        "screenshot",
                    ]
                ),
            ),
            inner,
            max_size=4,
        ),
    ),
    max_leaves=24,
)
FIELDS = st.fixed_dictionaries(
    {"format": st.just("bundleguard-case"), "version": st.just(1)},
    optional={
        "site": VALUES, "incident": VALUES, "support_address": VALUES, "output": VALUES,
        "files": st.one_of(st.lists(st.one_of(TEXT, VALUES), max_size=4), VALUES),
        "appliances": st.one_of(
            st.lists(st.dictionaries(
                st.sampled_from(["hostname", "role", "address", "screenshot", "extra"]),
                VALUES, max_size=5), max_size=3),
            VALUES,
        ),
        "replication": st.one_of(
            st.dictionaries(
                st.sampled_from(["exported_pkcs12", "imported", "verification", "more"]),
                st.one_of(VALUES, st.dictionaries(
                    st.sampled_from(["ok", "summary", "text", "checked_at", "more"]), VALUES)),
                max_size=4,
            ),
            VALUES,
        ),
        "later": VALUES,
    },
)  # fmt: skip
# Documents of the right shape, their texts anything: they read, and must write back.
SHAPED = st.fixed_dictionaries(
    {"format": st.just("bundleguard-case"), "version": st.just(1)},
    optional={
        "site": TEXT, "incident": TEXT, "output": TEXT, "files": st.lists(TEXT, max_size=3),
        "appliances": st.lists(st.fixed_dictionaries(
            {"hostname": TEXT},
            optional={"role": st.sampled_from(["primary", "backup", "node"]), "address": TEXT,
                      "screenshot": TEXT, "later": VALUES}), max_size=3),
        "replication": st.fixed_dictionaries({}, optional={
            "exported_pkcs12": TEXT, "imported": st.lists(TEXT, max_size=2), "later": VALUES,
            "verification": st.fixed_dictionaries(
                {"ok": st.booleans()},
                optional={"summary": TEXT, "text": TEXT, "checked_at": TEXT, "later": VALUES}),
        }),
        "later": VALUES,
    },
)  # fmt: skip
DOCUMENTS = st.one_of(FIELDS, SHAPED, VALUES)


def read_or_refuse(reader) -> Case | None:
    try:
        case = reader()
    except CaseFileError:
        return None
    assert isinstance(case, Case)
    return case


def written_reads_back(case: Case) -> None:
    """What was read is written (or refused with the field named) and reads back as read."""
    try:
        data = case_to_bytes(case)
    except CaseFileError:
        return  # e.g. a relative path made absolute grew past the path limit
    data.decode("utf-8")
    assert case_from_bytes(data) == case


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DOCUMENTS)
def test_any_json_like_document_is_a_case_or_a_case_file_error(document):
    case = read_or_refuse(lambda: case_from_json(document))
    if case is not None:
        written_reads_back(case)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DOCUMENTS, st.booleans())
def test_any_document_as_bytes_is_a_case_or_a_case_file_error(document, bom):
    try:
        text = json.dumps(document, allow_nan=True)
    except ValueError:
        return  # an integer too long for Python to write: no file can hold it either
    data = (codecs.BOM_UTF8 if bom else b"") + text.encode("utf-8", "surrogatepass")
    case = read_or_refuse(lambda: case_from_bytes(data))
    if case is not None:
        written_reads_back(case)


@settings(max_examples=120, deadline=None)
@given(st.binary(max_size=200), st.binary(max_size=40))
def test_any_bytes_are_a_case_or_a_case_file_error(noise, tail):
    read_or_refuse(lambda: case_from_bytes(HEAD.encode() + noise + tail))
    read_or_refuse(lambda: case_from_bytes(noise))
