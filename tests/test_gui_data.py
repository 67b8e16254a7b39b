"""The Data tab on real files: pickers, preview, the inspection summary, bad files."""

from __future__ import annotations

import pandas as pd
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from gui_helpers import RIDERSHIP, close_dialogs, dialog_texts, load, make_window, window, write_csv  # noqa: F401


def _items(lst) -> dict[str, bool]:
    return {lst.item(i).text(): lst.item(i).checkState() == Qt.CheckState.Checked for i in range(lst.count())}


def test_opening_a_file_fills_the_pickers_preview_and_summary(qtbot, window, tmp_path):
    path = tmp_path / "shop.csv"
    lines = ["day,sales,price,promo"]
    dates = pd.date_range("2022-01-01", periods=40, freq="D")
    for i, d in enumerate(dates):
        if i == 10:
            continue  # a missing date: filled on the daily grid
        sales = "" if i == 20 else f"{100 + i % 7}"  # a missing value: interpolated
        lines.append(f"{d:%Y-%m-%d},{sales},{5 + i / 100:.2f},{'yes' if i % 7 == 5 else 'no'}")
        if i == 3:
            lines.append(lines[-1])  # an exact duplicate row: dropped
    path.write_text("\n".join(lines) + "\n")

    state = load(qtbot, window, path)
    dp = window.data_panel
    assert state.series is not None and state.series.target == "sales"
    assert [dp.date_box.itemText(i) for i in range(dp.date_box.count())] == ["day", "sales", "price", "promo"]
    assert dp.date_box.currentText() == "day"
    assert [dp.target_box.itemText(i) for i in range(dp.target_box.count())] == ["sales", "price"]
    assert _items(dp.cov_list) == {"sales": False, "price": False}
    assert _items(dp.kf_list) == {"sales": False, "price": False, "promo": False}
    assert dp.preview_model.rowCount() == 39 and dp.preview_model.headers == ["day", "sales", "price", "promo"]
    assert dp.preview_model.data(dp.preview_model.index(0, 0)) == "2022-01-01"

    summary = dp.summary.text()
    for expected in ("39", "2022-01-01 to 2022-02-09", "daily (D)", "Duplicates dropped</td><td>1",
                     "1 missing date (first: 2022-01-11)", "sales: 1"):
        assert expected in summary, (expected, summary)
    warnings = dp.warnings.text()
    assert "1 exact duplicate row dropped" in warnings
    assert "1 missing date added to the daily grid" in warnings
    assert "filled by interpolation in &#x27;sales&#x27;" in warnings or "filled by interpolation in 'sales'" in warnings
    assert window.windowTitle() == "tsdesk - shop.csv"

    # Choosing columns rebuilds the series off the GUI thread.
    dp.set_columns(covariates=["price"], known_future=["promo"])
    qtbot.waitUntil(lambda: dp.state.series is not None and dp.state.series.covariates == ["price"]
                    and not dp.loading(), timeout=10_000)
    assert dp.state.series.known_future == ["promo"]
    assert dp.state.series.future_features == ["promo=no", "promo=yes"]
    assert not dp.kf_list.item(1).flags() & Qt.ItemFlag.ItemIsEnabled  # price is taken as a covariate


def test_a_bad_file_shows_what_is_wrong_and_keeps_the_data(qtbot, window, tmp_path):
    good = load(qtbot, window, write_csv(tmp_path / "sales.csv"))
    bad = tmp_path / "clash.csv"
    bad.write_text("date,value\n2021-01-01,1\n2021-01-02,2\n2021-01-02,3\n")
    window.open_path(bad)
    qtbot.waitUntil(lambda: bool(dialog_texts(window)), timeout=10_000)
    assert dialog_texts(window) == [
        "conflicting rows for 2021-01-02: lines 3 and 4 have the same date with different values; "
        "column 'value' is '2' on line 3 and '3' on line 4"]
    assert window.data_panel.state is good
    assert window.data_panel.preview_model.rowCount() == 200
    assert window.windowTitle() == "tsdesk - sales.csv"
    close_dialogs(window)

    image = tmp_path / "picture.csv"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    window.open_path(image)
    qtbot.waitUntil(lambda: bool(dialog_texts(window)), timeout=10_000)
    assert dialog_texts(window) == ["picture.csv does not look like a CSV table: it is a PNG image"]
    close_dialogs(window)
    window.open_path(tmp_path / "nowhere.csv")
    qtbot.waitUntil(lambda: bool(dialog_texts(window)), timeout=10_000)
    assert dialog_texts(window) == [f"file not found: {tmp_path / 'nowhere.csv'}"]
    assert window.data_panel.state is good
    assert window.train_panel.data is good


def test_data_that_makes_no_series_is_explained(qtbot, window, tmp_path):
    path = tmp_path / "irregular.csv"
    days = [1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233]
    path.write_text("date,value\n" + "".join(f"{pd.Timestamp('2021-01-01') + pd.Timedelta(days=d):%Y-%m-%d},{d}\n"
                                               for d in days))
    state = load(qtbot, window, path)
    assert state.series is None
    message = state.series_error
    assert message.startswith("the dates in column 'date' of irregular.csv are irregular")
    assert "These columns do not make a series" in window.data_panel.warnings.text()
    assert not window.explore_panel.isEnabled()
    window.show_tab("train")
    qtbot.mouseClick(window.train_panel.train_button, Qt.MouseButton.LeftButton)
    assert dialog_texts(window) == [message]


def test_dropping_a_file_opens_it_and_recent_files_remember_it(qtbot, window, tmp_path):
    path = write_csv(tmp_path / "dropped.csv")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    qtbot.waitUntil(lambda: window.data_panel.state is not None and not window.data_panel.loading(), timeout=10_000)
    assert window.data_panel.state.path == str(path)
    assert window.recent_files() == [str(path)]

    load(qtbot, window, RIDERSHIP, sample="ridership")
    assert window.recent_files() == [str(path)]  # samples have their own menu
    window._fill_recent()
    actions = window.recent_menu.actions()
    assert [a.text() for a in actions] == [str(path)]
    actions[0].trigger()
    qtbot.waitUntil(lambda: window.data_panel.state.path == str(path) and not window.data_panel.loading(),
                    timeout=10_000)


def test_samples_menu_opens_the_demo_with_its_columns(qtbot, window):
    samples = [m for m in window.menuBar().findChildren(type(window.recent_menu)) if m.title() == "&Samples"][0]
    titles = [a.text() for a in samples.actions()]
    assert titles[0] == "Transit ridership (daily)" and len(titles) == 3
    samples.actions()[0].trigger()
    qtbot.waitUntil(lambda: window.data_panel.state is not None and not window.data_panel.loading(), timeout=10_000)
    series = window.data_panel.state.series
    # day_type is not preselected as known-future: the file has no rows past its end, and every
    # family must be able to forecast past the data on the demo.
    assert (series.target, series.covariates, series.known_future) == ("rail", ["bus"], [])
    assert series.n == 1826
