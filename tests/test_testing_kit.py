"""tsdesk.testing.check_family: passes on the built-in baselines, catches a look-ahead family."""

import dataclasses

import pytest

from tsdesk.plugin_api import Param
from tsdesk.plugins import PluginHost
from tsdesk.testing import check_bad_params, check_descriptor, check_family, check_training

from fixtures.peeking_family import FAMILY as PEEKING


@pytest.mark.parametrize("name", ["naive", "seasonal_naive"])
def test_builtin_baselines_pass_the_contract(name, tmp_path, qapp):
    check_family(PluginHost().family(name), tmp_path)


def test_a_family_that_looks_ahead_fails(tmp_path):
    check_descriptor(PEEKING)
    check_bad_params(PEEKING)
    with pytest.raises(AssertionError, match="family 'peeking': a forecast changed when data after its origin changed"):
        check_training(PEEKING, tmp_path)


def test_descriptor_problems_are_named():
    no_help = dataclasses.replace(PEEKING, params=(Param("k", "int", 1, min=1),))
    with pytest.raises(AssertionError, match="parameter 'k' has no help text"):
        check_descriptor(no_help)
    bad_path = dataclasses.replace(PEEKING, trainer="fixtures.nowhere:train")
    with pytest.raises(AssertionError, match="trainer 'fixtures.nowhere:train' does not import"):
        check_descriptor(bad_path)
    bad_default = dataclasses.replace(PEEKING, params=(Param("k", "int", 0, min=1, help="h"),))
    with pytest.raises(AssertionError, match="default of parameter 'k' is invalid"):
        check_descriptor(bad_default)
