"""Ordering what was given into leaf -> intermediates -> root, and naming what is wrong."""

from __future__ import annotations

import random

from bundleguard.certs.chain import build_chain
from tests.certs import pki


def test_shuffled_chain_is_put_in_order_and_flagged_as_given_out_of_order():
    chain = pki.make_chain(intermediates=2)
    shuffled = [chain.root, chain.leaf, chain.intermediates[1], chain.intermediates[0]]
    assert shuffled != chain.certs
    report = build_chain(shuffled, anchors=())
    assert report.ordered == tuple(chain.certs)
    assert report.leaf == chain.leaf
    assert report.complete and report.root_present
    assert report.given_in_order is False
    assert report.problems == ()
    assert any("not given in chain order" in w for w in report.warnings)


def test_every_shuffle_gives_the_same_order(chain):
    rng = random.Random(7)
    for _ in range(5):
        certs = list(chain.certs)
        rng.shuffle(certs)
        assert build_chain(certs, anchors=()).ordered == tuple(chain.certs)


def test_chain_given_in_order_is_reported_so(chain):
    report = build_chain(chain.certs, anchors=())
    assert report.given_in_order and report.complete and not report.warnings


def test_missing_intermediate_names_the_issuer_that_is_missing(chain):
    report = build_chain([chain.leaf, chain.root], anchors=())
    assert not report.complete
    assert report.missing_issuer == chain.intermediates[0].subject.rfc4514_string()
    assert "Test Intermediate CA 1" in report.problems[0]
    assert "missing" in report.problems[0]


def test_root_absent_is_complete_when_the_root_is_a_known_anchor(chain):
    report = build_chain([chain.leaf, *chain.intermediates], anchors=[chain.root])
    assert report.complete and not report.root_present
    assert report.anchor == chain.root
    assert report.problems == ()


def test_root_absent_and_unknown_is_incomplete(chain):
    report = build_chain([chain.leaf, *chain.intermediates], anchors=())
    assert not report.complete
    assert report.missing_issuer == chain.root.subject.rfc4514_string()


def test_duplicates_are_reported_once_each(chain):
    report = build_chain([chain.leaf, chain.leaf, *chain.intermediates, chain.root], anchors=())
    assert report.duplicates == (chain.leaf,)
    assert report.complete
    assert any("more than once" in w for w in report.warnings)


def test_unrelated_certificate_is_a_problem(chain):
    stranger = pki.make_chain(["other.example.org"], ca_name="Other Root")
    report = build_chain([*chain.certs, stranger.root], anchors=())
    assert report.unrelated == (stranger.root,)
    assert any("not part of the chain" in p for p in report.problems)


def test_two_server_certificates_are_a_problem(chain):
    sibling = chain.issue_leaf(["other.example.com"])
    report = build_chain([*chain.certs, sibling.leaf], anchors=())
    assert report.leaf == chain.leaf
    assert report.extra_leaves == (sibling.leaf,)
    assert any("Several server certificates" in p for p in report.problems)


def test_same_name_but_different_key_is_not_taken_as_the_issuer(chain):
    impostor = pki.make_chain(ca_name="Test Root CA", intermediates=1)
    # Same subject names as `chain`'s intermediate, but another key.
    report = build_chain([chain.leaf, impostor.intermediates[0], chain.root], anchors=())
    assert not report.complete
    assert report.ordered == (chain.leaf,)


def test_self_signed_leaf_alone_is_a_complete_chain():
    cert = pki.self_signed(["appliance.example.com"]).leaf
    report = build_chain([cert], anchors=())
    assert report.complete and report.root_present and report.ordered == (cert,)


def test_sha1_signed_chain_is_still_ordered():
    chain = pki.make_chain(sha1=True)
    assert build_chain(list(reversed(chain.certs)), anchors=()).ordered == tuple(chain.certs)


def test_nothing_given_is_a_problem():
    assert build_chain([], anchors=()).problems
