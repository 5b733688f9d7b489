"""The vector label's type: the analysis keeps it as the vector table's Enum (a byte per packet),
users see text, in ``classify`` and in the report's packets."""

from __future__ import annotations

import warnings

import polars as pl

import workbench as wb
from workbench.analysis import classify
from workbench.analysis.vectors.kinds import CANDIDATE


def test_classify_names_vectors_in_text_and_as_the_enum_alike(capture):
    text = classify(capture.packets)
    enum = classify(capture.packets, enum=True)
    assert text["vector"].dtype == pl.String
    assert enum["vector"].dtype == CANDIDATE
    assert text["vector"].null_count() < text.height  # the sample is an attack
    assert text["vector"].equals(enum["vector"].cast(pl.String))
    assert text.drop("vector").equals(capture.packets)


def test_the_reports_packets_carry_text_labels(capture):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rep = wb.analyze(capture, link_capacity="3M")
    assert rep.packets["vector"].dtype == pl.String
    named = set(rep.packets["vector"].drop_nulls().unique())
    assert named == {v.vector for v in rep.vectors}
    assert rep.series["vector"].dtype == pl.String


def test_an_empty_frame_gets_a_label_column_of_either_type(capture):
    empty = capture.packets.head(0)
    assert classify(empty)["vector"].dtype == pl.String
    assert classify(empty, enum=True)["vector"].dtype == CANDIDATE
