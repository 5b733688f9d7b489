"""One colour per vector, everywhere (issue #19)."""

from workbench.analysis.vector_table import VECTORS
from workbench.viz.palette import GREY, colour, stack_order, vector_scale


def test_every_vector_has_its_own_colour_and_legitimate_is_grey():
    colours = [colour(r.name) for r in VECTORS]
    assert len(set(colours)) == len(VECTORS)
    assert GREY not in colours
    assert colour(None) == colour("legitimate") == GREY


def test_a_colour_does_not_depend_on_what_else_is_drawn():
    alone = vector_scale(["syn_flood"]).to_dict()
    mixed = vector_scale(["ntp_amplification", None, "syn_flood"]).to_dict()
    assert alone["range"][0] == mixed["range"][mixed["domain"].index("syn_flood")]
    assert stack_order(["syn_flood", None, "ntp_amplification"])[0] == "legitimate"
