"""The columnar store: ingestion once, provenance, re-ingestion, corruption."""
import json
import time

import pandas as pd
import pytest

from diagnostic import store
from diagnostic.errors import MissingData, UnreadableData
from diagnostic.sources import find, refresh
from diagnostic.sources.readers import read_csv_text, to_number


def _write_filosofi(mirror, med="25820"):
    path = mirror / "filosofi" / "cc_filosofi_2021_COM.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("CODGEO;NBMENFISC21;MED21;TP6021\n01001;346;" + med + ";s\n2A004;31245;22150,5;18,3\n",
                    encoding="ascii")
    refresh()
    return path


def test_published_layout_is_read_as_published(isolated):
    _write_filosofi(isolated)
    ds = find("filosofi")[0]
    assert (ds.vintage, ds.geo_year, ds.level) == (2021, 2024, "COM")
    df = store.load(ds)
    assert list(df["CODGEO"]) == ["01001", "2A004"]
    assert df["MED21"].tolist() == [25820.0, 22150.5]
    assert df["TP6021"].isna().iloc[0] and df["TP6021"].iloc[1] == 18.3


def test_provenance_and_reingestion_on_change(isolated):
    path = _write_filosofi(isolated)
    ds = find("filosofi")[0]
    store.load(ds)
    prov = store.read_provenance(ds)
    assert prov.rows == 2 and prov.source_file == str(path.resolve()) and len(prov.sha256) == 64
    time.sleep(0.01)
    _write_filosofi(isolated, med="30000")
    store.clear_memory()
    assert store.load(ds)["MED21"].iloc[0] == 30000.0
    assert store.read_provenance(ds).sha256 != prov.sha256


def test_corrupt_store_is_rebuilt(isolated):
    _write_filosofi(isolated)
    ds = find("filosofi")[0]
    store.load(ds)
    parquet = store._paths(ds)[0]
    parquet.write_bytes(b"not parquet")
    store.clear_memory()
    assert store.load(ds)["MED21"].iloc[0] == 25820.0


def test_missing_file_offline_says_which_file_and_where(isolated):
    with pytest.raises(MissingData) as err:
        find("filosofi")
    assert "cc_filosofi_2021_COM.csv" in str(err.value) and str(isolated) in str(err.value)


def test_unreadable_file(isolated):
    path = isolated / "comparateur" / "base_cc_comparateur_csv.zip"
    path.parent.mkdir()
    path.write_bytes(b"PK\x03\x04 broken")
    refresh()
    with pytest.raises(UnreadableData, match="ne peut pas être lu"):
        store.load(find("comparateur")[0])


def test_number_conversion_keeps_markers_missing():
    s = to_number(pd.Series(["1\u202f045", "12,5", "s", "", "7"]))
    assert s.iloc[0] == 1045 and s.iloc[1] == 12.5 and s.iloc[2:4].isna().all() and s.iloc[4] == 7
    assert to_number(pd.Series(["Alençon", "12"])) is None


def test_codes_keep_leading_zeros():
    df = read_csv_text("CODGEO,P\n01001,3\n2B033,4\n")
    assert df["CODGEO"].tolist() == ["01001", "2B033"]
