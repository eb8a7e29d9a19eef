"""`strandrisk check` and `strandrisk run` on generated TAC data files, end to end."""

from __future__ import annotations

import json

import pytest

from strandrisk.cli import main
from strandrisk.core import schema
from tests.tac_fixtures import TrustSpec, default_values, write_tac_workbook, write_xlsx


@pytest.fixture(scope="module")
def tac_pair(tmp_path_factory):
    folder = tmp_path_factory.mktemp("taccli")
    ft = [TrustSpec("RXA", "Alpha Hospitals NHS Foundation Trust", "London", "foundation_trust",
                    default_values(1, 2023, 0.03)),
          TrustSpec("RXB", "Bravo Health NHS Foundation Trust", "South West", "foundation_trust",
                    default_values(2, 2023, 0.3))]
    nhs = [TrustSpec("RYD", "Delta University Hospitals NHS Trust", "London", "nhs_trust",
                     default_values(5, 2023, 0.02))]
    return (write_tac_workbook(folder / "ft.xlsx", 2023, ft),
            write_tac_workbook(folder / "nhs.xlsx", 2023, nhs, old_columns=True),
            write_tac_workbook(folder / "ft_prior.xlsx", 2022, ft))


def test_check_reads_both_sectors_and_years(tac_pair, capsys):
    assert main(["check", *map(str, tac_pair)]) == 0
    out = capsys.readouterr().out
    assert "TAC data for 2023/24" in out and "TAC data for 2022/23" in out
    assert "0 errors" in out


def test_check_json_counts_the_register_and_cash(tac_pair, capsys):
    assert main(["check", *map(str, tac_pair), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["counts"]["providers"] == 3
    assert doc["counts"]["cash_balances"] == 5  # two year-ends for each FT, one for the NHS trust


def test_check_with_a_region_nobody_is_in_fails(tac_pair, capsys):
    assert main(["check", str(tac_pair[0]), "--tac-region", "Atlantis"]) == 1
    assert "regions are: London, South West" in capsys.readouterr().out


def test_run_on_tac_alone_models_the_chosen_trusts(tac_pair, tmp_path, capsys):
    out_json = tmp_path / "results.json"
    code = main(["run", *map(str, tac_pair), "--tac-region", "London", "--simulations", "0",
                 "--json", str(out_json)])
    assert code == 0
    text = capsys.readouterr().out
    assert "no block contracts" not in text  # contracts are derived from the income lines (TAC_SCREEN.md)
    doc = json.loads(out_json.read_text(encoding="utf-8"))
    assert sorted(p["provider_code"] for p in doc["providers"]) == ["RXA", "RYD"]
    assert doc["scenario"]["base_year"] == "2023/24"


def test_run_with_contracts_beside_tac(tac_pair, tmp_path, capsys):
    contract = dict(schema.BLOCK_CONTRACTS.example, provider_code="RYD")
    budget = dict(schema.COMMUNITY_BUDGETS.example, acute_provider_code="RYD")
    contracts = write_xlsx(tmp_path / "contracts.xlsx", [
        ("Block contracts", [list(contract), list(contract.values())]),
        ("Community budgets", [list(budget), list(budget.values())])])
    out_json = tmp_path / "results.json"
    code = main(["run", str(tac_pair[1]), str(contracts), "--tac-trusts", "RYD", "--simulations", "0",
                 "--json", str(out_json)])
    assert code == 0, capsys.readouterr()
    doc = json.loads(out_json.read_text(encoding="utf-8"))
    (delta,) = doc["providers"]
    assert delta["provider_code"] == "RYD"
    # the contract and the community budget make part of the TAC trust's costs strand
    assert sum(delta["forms"]["acute_only"]["stranded_cost_gbp_k"]) > 0
    assert "no block contracts" not in capsys.readouterr().out
