import datetime as dt

import pytest

from audit import SettingsError, load_settings


def test_defaults_match_the_specification():
    s = load_settings()
    assert s.income.poverty_line == 4000.0
    assert s.income.monitoring_multiple == 1.5
    assert (s.education.compulsory_age_min, s.education.compulsory_age_max) == (6, 15)
    assert s.water.litres_min == 20.0 and s.water.trip_minutes_max == 20.0
    assert s.water.shortage_days_max == 36
    assert s.census.nonregistered_sample == 2024
    assert s.deadlines.final == dt.date(2024, 6, 30)
    assert s.deadlines.hukou == dt.date(2024, 4, 30)
    assert s.deadlines.insurance_days == 10
    assert s.thresholds.poverty_incidence_max == 0.03
    assert s.audit.year == 2024


def test_county_file_overrides_some_keys(tmp_path):
    f = tmp_path / "county.toml"
    f.write_text("[income]\npoverty_line = 4200\n[audit]\nyear = 2025\n", encoding="utf-8")
    s = load_settings(f)
    assert s.income.poverty_line == 4200.0 and s.audit.year == 2025
    assert s.water.litres_min == 20.0
    assert s.to_dict()["income"]["poverty_line"] == 4200.0
    assert s.fingerprint() != load_settings().fingerprint()


@pytest.mark.parametrize(
    "text, key",
    [
        ('[income]\npoverty_line = "abc"\n', "income.poverty_line"),
        ("[income]\npovety_line = 4000\n", "income.povety_line"),
        ("[nonsense]\na = 1\n", "nonsense"),
        ('[deadlines]\nfinal = "2024-13-01"\n', "deadlines.final"),
        ("[thresholds]\nmissed_poor_rate_max = 2\n", "thresholds.missed_poor_rate_max"),
        ('[census]\nsample_design = "cluster"\n', "census.sample_design"),
    ],
)
def test_bad_settings_name_the_key(tmp_path, text, key):
    f = tmp_path / "bad.toml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(SettingsError) as err:
        load_settings(f)
    assert err.value.parameter == key
    assert err.value.file == str(f)


def test_broken_toml_and_missing_file(tmp_path):
    f = tmp_path / "broken.toml"
    f.write_text("[income\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="TOML"):
        load_settings(f)
    with pytest.raises(SettingsError, match="not found"):
        load_settings(tmp_path / "none.toml")


def test_recorded_settings_of_a_newer_version_are_read_without_unknown_keys():
    from audit.settings import settings_from_record

    recorded = load_settings(income={"poverty_line": 4100.0}).to_dict()
    recorded["future_section"] = {"x": 1}
    recorded["water"]["future_key"] = 3
    s = settings_from_record(recorded)
    assert s.income.poverty_line == 4100.0
    assert s.deadlines.final == dt.date(2024, 6, 30)
    assert settings_from_record(None).income.poverty_line == 4000.0
