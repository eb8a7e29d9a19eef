"""Every value form finance teams type, read the one way the model needs it."""

import datetime as dt

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from strandrisk.core import schema
from strandrisk.io.spreadsheets import values as v


@pytest.mark.parametrize("raw, want", [
    ("1234", 1234.0), ("£1,234", 1234.0), ("-1,234", -1234.0), ("-£1,234", -1234.0), ("£-1,234", -1234.0),
    ("(1,234)", -1234.0), ("(£1,234.50)", -1234.5), ("1\u00a0234", 1234.0), (" 12.5 ", 12.5), ("1,234-", -1234.0),
    ("30%", 0.3), (12, 12.0), (3.5, 3.5), ("", None), (None, None), ("1e3", 1000.0),
])
def test_numbers(raw, want):
    assert v.parse_number(raw) == (pytest.approx(want) if want is not None else None)


@pytest.mark.parametrize("raw", ["abc", "1.2.3", "£", "#REF!", v.CellError("#DIV/0!"), v.NO_CACHED_VALUE, True,
                                 dt.date(2025, 1, 1), "inf"])
def test_not_numbers(raw):
    with pytest.raises(ValueError):
        v.parse_number(raw)


def test_error_cells_name_the_error():
    with pytest.raises(ValueError, match="#REF!"):
        v.parse_number(v.CellError("#REF!"))
    with pytest.raises(ValueError, match="no saved result"):
        v.parse_fy(v.NO_CACHED_VALUE)


@given(st.decimals(min_value=-10**9, max_value=10**9, places=2, allow_nan=False, allow_infinity=False))
def test_formatted_money_round_trips(d):
    x = float(d)
    text = f"£{abs(x):,.2f}"
    for form in (text if x >= 0 else f"-{text}", f"({text})" if x < 0 else text):
        assert v.parse_number(form) == pytest.approx(x, abs=1e-6)


@pytest.mark.parametrize("raw", ["2025/26", "2025-26", "FY2025/26", "2025/2026", "25/26", "fy 25-26", 2025,
                                 2025.0, dt.date(2025, 6, 30), dt.datetime(2026, 3, 31)])
def test_financial_years(raw):
    assert v.parse_fy(raw) == 2025.0


@pytest.mark.parametrize("raw", ["2025/27", "2025", "26/25", "hello", 12])
def test_bad_financial_years(raw):
    if raw == "2025":
        assert v.parse_fy(raw) == 2025.0
        return
    with pytest.raises(ValueError):
        v.parse_fy(raw)


@given(st.integers(min_value=1990, max_value=2098), st.integers(min_value=0, max_value=4))
def test_every_fy_form_reads_back(year, k):
    forms = [f"{year}/{(year + 1) % 100:02d}", f"{year}-{(year + 1) % 100:02d}", f"FY{year}/{(year + 1) % 100:02d}",
             f"{year}/{year + 1}", f"FY {year}-{year + 1}"]
    assert v.parse_fy(forms[k]) == year


@given(st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2090, 12, 31)))
def test_dates_in_every_form(d):
    serial = (d - dt.date(1899, 12, 30)).days
    serial_1904 = (d - dt.date(1904, 1, 1)).days
    assert v.parse_date(d.isoformat()) == d
    assert v.parse_date(d.strftime("%d/%m/%Y")) == d  # UK day-first, never month-first
    assert v.parse_date(float(serial)) == d
    assert v.parse_date(float(serial_1904), date1904=True) == d
    assert v.parse_date(dt.datetime(d.year, d.month, d.day, 13, 5)) == d


def test_uk_dates_are_never_month_first():
    assert v.parse_date("03/04/2025") == dt.date(2025, 4, 3)
    with pytest.raises(ValueError):
        v.parse_date("12/31/2025")
    assert v.parse_date("Mar-26") == dt.date(2026, 3, 31)
    assert v.parse_date("31 Mar 2026") == dt.date(2026, 3, 31)


@pytest.mark.parametrize("raw, want", [("M1", 1), ("m12", 12), ("M01", 1), ("Month 3", 3), (7, 7), ("April", 1),
                                       ("mar", 12), (dt.date(2025, 4, 30), 1)])
def test_months(raw, want):
    assert v.parse_month(raw) == want


@pytest.mark.parametrize("raw, want", [("Apr-25", dt.date(2025, 4, 30)), ("M1 2025/26", dt.date(2025, 4, 30)),
                                       ("M12 2025/26", dt.date(2026, 3, 31)), ("M10 FY25/26", dt.date(2026, 1, 31)),
                                       (dt.datetime(2025, 9, 1), dt.date(2025, 9, 30)),
                                       ("April 2025", dt.date(2025, 4, 30)), ("Provider", None), ("Total", None)])
def test_month_headers(raw, want):
    assert v.month_header_period_end(raw) == want


@pytest.mark.parametrize("raw, want", [("Yes", True), ("y", True), ("TRUE", True), (True, True), (1, True),
                                       ("No", False), ("N", False), ("false", False), (0, False), ("", None)])
def test_booleans(raw, want):
    assert v.parse_bool(raw) is want


@pytest.mark.parametrize("raw, want", [("NEL", "non_elective"), ("Non-Elective", "non_elective"), ("EL", "elective"),
                                       ("op", "outpatients"), ("A&E", "a_and_e"), ("a and e", "a_and_e"),
                                       ("non_elective", "non_elective"), ("  Elective  ", "elective")])
def test_service_line_synonyms(raw, want):
    assert v.parse_enum(schema.BLOCK_CONTRACTS.column("service_line"), raw) == want


def test_enum_rejects_unknown_and_payment_synonyms():
    col = schema.BLOCK_CONTRACTS.column("payment_type")
    assert v.parse_enum(col, "PbR") == "activity" and v.parse_enum(col, "Capitation") == "capitated"
    with pytest.raises(ValueError, match="not one of"):
        v.parse_enum(col, "barter")


def test_codes_and_text():
    assert v.parse_code(" rxx ") == "RXX"
    assert v.parse_text(12.0) == "12"


def test_share_percent_and_money_scale_in_columns():
    share = schema.BLOCK_CONTRACTS.column("clawback_share")
    arr, bad = v.parse_column(share, ["30%", 0.02, None, "x"])
    np.testing.assert_allclose(arr[:2], [0.3, 0.02])
    assert np.isnan(arr[2]) and bad == [(3, "'x' is not a number")]
    money = schema.PROVIDERS.column("operating_income_gbp_k")
    arr, bad = v.parse_column(money, [1.5, "£2.25"], scale=1000.0)
    np.testing.assert_allclose(arr, [1500.0, 2250.0])
    arr, bad = v.parse_column(money, np.array([1.0, np.inf]))
    assert bad and np.isnan(arr[1])


@given(st.lists(st.one_of(st.none(), st.floats(-1e9, 1e9), st.text(max_size=6)), max_size=30))
def test_parse_column_never_raises_and_keeps_length(cells):
    for col in (schema.CASH_BALANCES.column("cash_gbp_k"), schema.CASH_BALANCES.column("period_end"),
                schema.BLOCK_CONTRACTS.column("start_fy"), schema.BLOCK_CONTRACTS.column("service_line"),
                schema.BLOCK_CONTRACTS.column("rebase_at_renewal")):
        arr, bad = v.parse_column(col, cells)
        assert len(arr) == len(cells)
        assert all(0 <= i < len(cells) for i, _ in bad)


@pytest.mark.parametrize("text, month", [("M-12", 12), ("Month 1 (Apr)", 1), ("M12 - March", 12), ("M 3", 3),
                                         ("Period 01", 1), ("M10: January", 10)])
def test_month_codes_with_their_names(text, month):
    assert v.parse_month(text) == month


def test_a_month_number_and_name_that_disagree_are_no_guess():
    with pytest.raises(ValueError, match="disagree"):
        v.parse_month("M12 - April")


@pytest.mark.parametrize("text", ["2025-26 FY", "Year ending March 2026", "YE 31/03/2026", "year ended 31 March 2026",
                                  "Y/E 31/03/26"])
def test_financial_years_written_as_the_year_they_end(text):
    assert v.parse_fy(text) == 2025


@pytest.mark.parametrize("text", ["Year ending December 2026", "YE 2026", "FY FY", "Yesterday"])
def test_years_ending_elsewhere_than_march_are_no_financial_year(text):
    with pytest.raises(ValueError):
        v.parse_fy(text)


def test_a_date_with_the_year_first_and_slashes():
    assert v.parse_date("2026/03/31") == dt.date(2026, 3, 31)
