"""Parameter forms generated from a family's Param schema, and what they hand to the family."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QGroupBox, QLineEdit, QSpinBox

from tsdesk.errors import UserError
from tsdesk.gui.param_form import ParamForm, build_form
from tsdesk.plugin_api import ModelFamily, Param

FAMILY = ModelFamily(
    name="demo", title="Demo", description="every kind of parameter",
    params=(
        Param("units", "int", 32, min=1, max=512, help="neurons per layer"),
        Param("rate", "float", 0.001, min=1e-6, max=1.0, group="Training", help="step size"),
        Param("cell", "choice", "lstm", choices=("lstm", "gru"), help="cell type"),
        Param("bidirectional", "bool", False, help="read both ways"),
        Param("dilations", "ints", [1, 2, 4], min=1, max=64, group="Training", help="one per layer"),
        Param("season", "int", None, optional=True, min=1, max=1000, auto_text="from the frequency",
              help="season length"),
        Param("note", "str", "hello", group="Other"),
    ),
    trainer="x:y", loader="x:z", param_groups=("Model", "Training"))


@pytest.fixture
def form(qtbot):
    f = ParamForm(FAMILY)
    qtbot.addWidget(f)
    f.show()
    return f


def test_each_type_gets_its_widget_with_bounds_tooltip_and_group(form):
    fields = form.fields
    assert isinstance(fields["units"].editor, QSpinBox)
    assert (fields["units"].editor.minimum(), fields["units"].editor.maximum()) == (1, 512)
    assert isinstance(fields["rate"].editor, QDoubleSpinBox)
    assert fields["rate"].editor.text() == "0.001"
    assert isinstance(fields["cell"].editor, QComboBox)
    assert [fields["cell"].editor.itemText(i) for i in range(2)] == ["lstm", "gru"]
    assert isinstance(fields["bidirectional"].editor, QCheckBox)
    assert isinstance(fields["dilations"].editor, QLineEdit)
    assert fields["dilations"].editor.text() == "1, 2, 4"
    assert fields["units"].editor.toolTip().startswith("neurons per layer")
    assert "Range: 1 .. 512" in fields["units"].editor.toolTip()
    assert [b.title() for b in form.findChildren(QGroupBox)] == ["Model", "Training", "Other"]
    assert form.values() == {"units": 32, "rate": 0.001, "cell": "lstm", "bidirectional": False,
                             "dilations": "1, 2, 4", "season": None, "note": "hello"}
    assert form.params() == FAMILY.validate_params({})


def test_optional_parameters_have_an_auto_state(form):
    season = form.fields["season"]
    assert season.auto.isChecked() and season.auto.text() == "auto: from the frequency"
    assert not season.editor.isVisible()
    assert form.values()["season"] is None
    season.auto.setChecked(False)
    assert season.editor.isVisible()
    season.editor.setValue(12)
    assert form.params()["season"] == 12


def test_edits_are_checked_by_the_family_and_reset_restores_defaults(form):
    form.fields["units"].editor.setValue(64)
    form.fields["cell"].editor.setCurrentText("gru")
    form.fields["bidirectional"].editor.setChecked(True)
    form.fields["dilations"].editor.setText("1 2 4 8")
    params = form.params()
    assert (params["units"], params["cell"], params["bidirectional"], params["dilations"]) == (64, "gru", True, [1, 2, 4, 8])
    form.fields["dilations"].editor.setText("1, two")
    with pytest.raises(UserError, match=r"parameter 'dilations' of demo must be an integer, got 'two'"):
        form.params()
    form.fields["dilations"].editor.editingFinished.emit()
    assert "must be an integer" in form.fields["dilations"].editor.toolTip()
    form.fields["units"].editor.setValue(1000)  # the spin box keeps it inside the bounds
    assert form.values()["units"] == 512
    form.reset_button.click()
    assert form.params() == FAMILY.validate_params({})
    assert form.fields["dilations"].editor.text() == "1, 2, 4"


def test_every_installed_family_gets_a_working_form(qtbot):
    from tsdesk.plugins import get_host

    host = get_host()
    assert {"naive", "seasonal_naive"} <= set(host.families)
    for family in host.families.values():
        widget, note = build_form(family)
        qtbot.addWidget(widget)
        assert note == ""
        assert widget.params() == family.validate_params({}), family.name


def test_a_family_form_that_fails_to_load_falls_back_to_the_generated_one(qtbot):
    broken = ModelFamily(name="odd", title="Odd", description="", params=(Param("k", "int", 1),),
                         trainer="x:y", loader="x:z", form="no_such_module:Form")
    widget, note = build_form(broken)
    qtbot.addWidget(widget)
    assert isinstance(widget, ParamForm)
    assert note.startswith("Showing the standard form: its form no_such_module:Form failed to load "
                           "(ModuleNotFoundError")
