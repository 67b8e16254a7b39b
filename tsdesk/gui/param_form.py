"""A family's parameter form, generated from its ``Param`` schema.

int/float become spin boxes with the declared bounds, choice a combo box, bool a check box,
ints a line edit ("1, 2, 4"), str a line edit. An optional parameter gets an "auto" check box
that says how the value is chosen when left automatic. Values are checked by the family's own
``validate_params`` so the form and the CLI accept exactly the same things.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QHBoxLayout,
                               QLabel, QLineEdit, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from tsdesk.errors import UserError
from tsdesk.plugin_api import ModelFamily, Param

INT_LIMIT = 2_000_000_000
FLOAT_LIMIT = 1e12


class FloatSpinBox(QDoubleSpinBox):
    """Shows 0.001 as "0.001", not "0.00100": learning rates and dropouts read naturally."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDecimals(10)
        self.setStepType(QDoubleSpinBox.StepType.AdaptiveDecimalStepType)

    def textFromValue(self, value: float) -> str:  # noqa: N802 - Qt API
        return f"{value:.8g}"

    def valueFromText(self, text: str) -> float:  # noqa: N802 - Qt API
        try:
            return float(text.strip().replace(",", "."))
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int):  # noqa: D102 - Qt API
        from PySide6.QtGui import QValidator

        stripped = text.strip().replace(",", ".")
        if stripped in ("", "-", "+", ".", "-.", "+.") or stripped.lower().endswith(("e", "e-", "e+")):
            return QValidator.State.Intermediate, text, pos
        try:
            value = float(stripped)
        except ValueError:
            return QValidator.State.Invalid, text, pos
        if self.minimum() <= value <= self.maximum():
            return QValidator.State.Acceptable, text, pos
        return QValidator.State.Intermediate, text, pos


class _Field:
    """One parameter's editor; ``get`` returns None for "auto"."""

    def __init__(self, param: Param, on_change) -> None:
        self.param = param
        self.editor = self._make_editor(on_change)
        self.auto: QCheckBox | None = None
        self.widget: QWidget = self.editor
        if param.optional:
            self.auto = QCheckBox("auto" + (f": {param.auto_text}" if param.auto_text else ""))
            self.auto.setToolTip("Leave it to tsdesk" + (f" ({param.auto_text})" if param.auto_text else ""))
            self.auto.toggled.connect(lambda on: self.editor.setVisible(not on))
            self.auto.toggled.connect(on_change)
            box = QWidget()
            row = QHBoxLayout(box)
            row.setContentsMargins(0, 0, 0, 0)
            row.addWidget(self.editor, 1)
            row.addWidget(self.auto, 1)
            self.widget = box
        tip = param.help
        if param.min is not None or param.max is not None:
            lo = "" if param.min is None else f"{param.min:g}"
            hi = "" if param.max is None else f"{param.max:g}"
            tip += f"\nRange: {lo} .. {hi}".rstrip()
        self.editor.setToolTip(tip.strip())
        self.set(param.default)

    def _make_editor(self, on_change) -> QWidget:
        p = self.param
        if p.type == "int":
            w = QSpinBox()
            w.setRange(int(max(p.min, -INT_LIMIT)) if p.min is not None else -INT_LIMIT,
                       int(min(p.max, INT_LIMIT)) if p.max is not None else INT_LIMIT)
            w.setAccelerated(True)
            w.valueChanged.connect(on_change)
        elif p.type == "float":
            w = FloatSpinBox()
            w.setRange(float(p.min) if p.min is not None else -FLOAT_LIMIT,
                       float(p.max) if p.max is not None else FLOAT_LIMIT)
            w.valueChanged.connect(on_change)
        elif p.type == "bool":
            w = QCheckBox()
            w.toggled.connect(on_change)
        elif p.type == "choice":
            w = QComboBox()
            w.addItems(list(p.choices))
            w.currentIndexChanged.connect(on_change)
        else:  # str, ints
            w = QLineEdit()
            if p.type == "ints":
                w.setPlaceholderText("e.g. 1, 2, 4")
                w.editingFinished.connect(self._check_ints)
            w.textChanged.connect(on_change)
        w.setObjectName(f"param_{p.name}")
        return w

    def _check_ints(self) -> None:
        """Mark a bad list at once, with the family's own message in the tooltip."""
        w = self.editor
        try:
            self.param.validate(w.text())
        except UserError as exc:
            w.setStyleSheet("QLineEdit { border: 1px solid #d62728; }")
            w.setToolTip(f"{exc}\n\n{self.param.help}".strip())
            return
        w.setStyleSheet("")
        w.setToolTip(self.param.help)

    def set(self, value: Any) -> None:
        p, w = self.param, self.editor
        auto = value is None and p.optional
        if self.auto is not None:
            self.auto.setChecked(auto)
            w.setVisible(not auto)
        if value is None:
            value = _fallback(p)
        if p.type == "int":
            w.setValue(int(value))
        elif p.type == "float":
            w.setValue(float(value))
        elif p.type == "bool":
            w.setChecked(bool(value))
        elif p.type == "choice":
            w.setCurrentIndex(max(0, list(p.choices).index(value) if value in p.choices else 0))
        elif p.type == "ints":
            w.setText(", ".join(str(v) for v in value) if isinstance(value, (list, tuple)) else str(value))
        else:
            w.setText(str(value))

    def get(self) -> Any:
        p, w = self.param, self.editor
        if self.auto is not None and self.auto.isChecked():
            return None
        if p.type == "int":
            return w.value()
        if p.type == "float":
            return w.value()
        if p.type == "bool":
            return w.isChecked()
        if p.type == "choice":
            return w.currentText()
        return w.text()


def _fallback(p: Param) -> Any:
    """What an "auto" field shows when the user switches auto off."""
    if p.type in ("int", "float"):
        return p.min if p.min is not None else 0
    return {"bool": False, "choice": p.choices[0] if p.choices else "", "ints": "", "str": ""}[p.type]


class ParamForm(QWidget):
    """The generated form for one family: one group box per parameter group."""

    changed = Signal()

    def __init__(self, family: ModelFamily, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.family = family
        self.fields: dict[str, _Field] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        groups: list[str] = list(family.param_groups)
        for p in family.params:
            if p.group not in groups:
                groups.append(p.group)
        for group in groups:
            params = [p for p in family.params if p.group == group]
            if not params:
                continue
            box = QGroupBox(group)
            box.setObjectName(f"group_{group}")
            form = QFormLayout(box)
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            for p in params:
                field = _Field(p, self._emit_changed)
                self.fields[p.name] = field
                label = QLabel(p.title)
                label.setToolTip(p.help)
                label.setBuddy(field.editor)
                form.addRow(label, field.widget)
            layout.addWidget(box)
        if not family.params:
            note = QLabel("This model has no parameters to set.")
            note.setEnabled(False)
            layout.addWidget(note)
        row = QHBoxLayout()
        row.addStretch(1)
        self.reset_button = QPushButton("Reset to defaults")
        self.reset_button.setObjectName("reset_defaults")
        self.reset_button.clicked.connect(self.reset)
        self.reset_button.setEnabled(bool(family.params))
        row.addWidget(self.reset_button)
        layout.addLayout(row)
        layout.addStretch(1)

    def _emit_changed(self, *_: Any) -> None:
        self.changed.emit()

    def values(self) -> dict[str, Any]:
        """What the user entered; None means automatic. Not yet validated."""
        return {name: f.get() for name, f in self.fields.items()}

    def params(self) -> dict[str, Any]:
        """The values checked by the family (raises UserError naming the parameter)."""
        values = {k: v for k, v in self.values().items() if v is not None}
        return self.family.validate_params(values)

    def set_values(self, values: dict[str, Any]) -> None:
        for name, value in values.items():
            if name in self.fields:
                self.fields[name].set(value)

    def reset(self) -> None:
        for f in self.fields.values():
            f.set(f.param.default)
        self.changed.emit()


def build_form(family: ModelFamily, parent: QWidget | None = None) -> tuple[QWidget, str]:
    """The family's own form widget when it names one (and it loads), else the generated one.

    Returns ``(widget, note)``; ``note`` explains a fallback.
    """
    if family.form:
        try:
            from tsdesk.plugin_api import resolve

            cls = resolve(family.form)
            widget = cls(family, parent)
            if all(hasattr(widget, m) for m in ("values", "reset")):
                return widget, ""
            note = f"its form {family.form} lacks values()/reset()"
        except Exception as exc:  # noqa: BLE001 - a plugin's widget must not break the window
            note = f"its form {family.form} failed to load ({type(exc).__name__}: {exc})"
        return ParamForm(family, parent), f"Showing the standard form: {note}."
    return ParamForm(family, parent), ""


