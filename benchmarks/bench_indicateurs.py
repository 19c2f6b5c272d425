"""Every indicator with its references, for a commune, an EPCI and a département.

Kit, from the store:

* ``froid``: the indicator engine's state emptied before each run (tables,
  aggregations, reference values), the store on disk — derived commune tables
  and stored reference values included (:mod:`diagnostic.data`);
* ``lot``: reference values shared in-process, as in a batch;
* ``processus_neuf``: a new Python process each time (territory resolved first,
  then the timed computation, which loads what it needs);
* ``premier_calcul``: a store holding the ingested files only, without derived
  tables nor stored reference values (the first computation after a change of
  the mirror or of the kit).

Naive way, measured side by side: a script that reads, with pandas, the
original files the kit uses for these indicators (comparateur, Filosofi, CAF
IRIS 2016, 2018 and 2020, the RP IRIS extracts, the Observatoire des
territoires files, the COG communes and events, and for an EPCI the table
d'appartenance) each time it is asked for a territory, and sums the same
columns over the territory and its references.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import zipfile

import pandas as pd

from diagnostic import catalogue as cat
from diagnostic import config, data, indicators, store
from diagnostic.config import mirror_dir
from diagnostic.territory import resolve

from .common import cache_dir, median, note, p95, report, run_python, timed

TERRITORIES = {"commune": "61214", "epci": "246100663", "departement": "61"}
REPEAT = 15
NAIVE_REPEAT = 3
FRESH_REPEAT = 5


# ---------------------------------------------------------------------------
# The naive way
# ---------------------------------------------------------------------------
def _plans() -> list[tuple]:
    """What each indicator reads (known before timing: a script writer knows it too)."""
    out = []
    for ind in cat.get(None):
        p = indicators.plan(ind.id)
        method = p.method
        if method is None:
            continue
        src = p.tables.src if p.tables else None
        den_src = (p.tables.den or src) if p.tables else None
        base = p.tables.base if p.tables else None
        vintage = src.vintage if src is not None else None
        den = den_src.key if den_src is not None and den_src is not src else None
        den_vintage = den_src.vintage if den else None
        out.append((ind.id, method, method.source, vintage, den, den_vintage,
                    base.vintage if base is not None else None))
    return out


def _sum_by_commune(df: pd.DataFrame, commune: pd.Series) -> pd.DataFrame:
    numeric = df.select_dtypes("number")
    return numeric.groupby(commune.to_numpy()).sum(min_count=1)


def _read_naive(territory) -> dict:
    """Read the original files, as published, for this territory's indicators."""
    mirror = mirror_dir()
    out = {}
    with zipfile.ZipFile(mirror / "comparateur" / "base_cc_comparateur_csv.zip") as zf:
        out["comparateur"] = pd.read_csv(zf.open("base_cc_comparateur.CSV"), sep=";",
                                         dtype={"CODGEO": str}).set_index("CODGEO")
    out["filosofi"] = pd.read_csv(mirror / "filosofi" / "cc_filosofi_2021_COM.csv", sep=";", decimal=",",
                                  dtype={"CODGEO": str}, na_values=["s"]).set_index("CODGEO")
    for year in (2016, 2018, 2020):
        caf = pd.read_csv(mirror / "caf" / f"data_CAF_{year}_IRIS.csv", sep=";", encoding="utf-8-sig",
                          dtype=str)
        figures = caf.drop(columns=[c for c in ("CODGEO", "LIBGEO", "DEPCOM", "LIBCOM", "EPCI", "UU", "REG",
                                                "NOTE") if c in caf.columns])
        # 2016 and 2017 write thousands with a narrow no-break space.
        figures = figures.apply(lambda c: pd.to_numeric(c.str.replace("\u202f", "", regex=False),
                                                        errors="coerce"))
        out[f"caf_iris{year}"] = _sum_by_commune(figures, caf["CODGEO"].str[:5])
    stems = {"rp_iris_population": "evol_struc_pop", "rp_iris_familles": "couples_familles_menages",
             "rp_iris_activite": "activite_residents", "rp_iris_logement": "logement"}
    for key, stem in stems.items():
        parts = []
        for path in sorted((mirror / "rp2019-iris").glob(f"{stem}_*.csv")):
            with path.open(encoding="utf-8-sig") as fh:
                sep = ";" if ";" in fh.readline() else ","
            df = pd.read_csv(path, sep=sep, dtype=str, encoding="utf-8-sig")
            commune = df["INSEE_COM"] if "INSEE_COM" in df.columns else df["COM"]
            figures = df[[c for c in df.columns if c[:1] in "PC" and c[1:3].isdigit()]]
            figures = figures.loc[:, ~figures.columns.duplicated()].apply(pd.to_numeric, errors="coerce")
            parts.append(_sum_by_commune(figures, commune))
        out[key] = pd.concat(parts)
    ot = {}
    for level in ("epci", "departement", "region"):
        df = pd.read_csv(mirror / "ot" / f"insee_rp_evol_1968_{level}_2018.csv", sep=";", decimal=",",
                         encoding="utf-8-sig", dtype={"codgeo": str, "an": str})
        ot[level] = df
    out["ot_mortalite"] = ot
    cog = pd.read_csv(mirror / "cog" / "v_commune_2023.csv", dtype=str)
    out["cog"] = cog[cog["TYPECOM"] == "COM"].set_index("COM")
    events = pd.read_csv(mirror / "cog" / "v_mvtcommune_2023.csv", dtype=str)
    events = events[(events["TYPECOM_AV"] == "COM") & (events["TYPECOM_AP"] == "COM")]
    out["fusions"] = dict(zip(events["COM_AV"], events["COM_AP"]))
    if territory.kind == "epci":
        app = pd.read_excel(mirror / "cog" / "table-appartenance-geo-communes-22.xlsx", sheet_name="COM",
                            skiprows=5, dtype=str)
        out["appartenance"] = app
    return out


def _level_communes(t, files) -> set[str]:
    cog = files["cog"]
    if t.kind == "commune":
        return {t.code}
    if t.kind == "epci":
        app = files["appartenance"]
        return set(app.loc[app["EPCI"] == t.code, "CODGEO"])
    if t.kind == "departement":
        return set(cog.index[cog["DEP"] == t.code])
    if t.kind == "region":
        return set(cog.index[cog["REG"] == t.code])
    return set(cog.index)


def naive(territory, plans) -> dict:
    """What a script would do: read the published files and sum by hand, for the territory
    and each reference (``territory`` and its references are resolved beforehand)."""
    files = _read_naive(territory)
    fusions = files["fusions"]
    results = {}
    for t in [territory, *territory.references()]:
        communes = _level_communes(t, files)
        # Former codes of the files' older geographies that merged into these communes.
        codes = sorted(communes | {old for old, new in fusions.items() if new in communes})
        selected: dict[str, pd.DataFrame] = {}

        def table(k, v):
            name = f"caf_iris{v}" if k == "caf_iris" else k
            if name not in selected:  # the territory's rows of each file, selected once
                df = files[name]
                selected[name] = df[df.index.isin(codes)]
            return selected[name]

        values = {}
        for ind_id, method, key, vintage, den_key, den_vintage, base_vintage in plans:

            if method.kind == "level":
                if key == "ot_mortalite":
                    level = {"epci": "epci", "departement": "departement", "region": "region"}.get(t.kind)
                    df = files["ot_mortalite"].get(level)
                    values[ind_id] = (None if df is None else
                                      df.loc[(df["codgeo"] == t.code) & (df["an"] == "2013-2018"), "tx_morta"]
                                      .tolist())
                else:
                    col = method.numerator.columns(2021)[0]
                    values[ind_id] = files[key][col].get(t.code) if t.kind == "commune" else None
                continue
            rows = table(key, vintage)
            num = sum(sign * rows[c].sum() for sign, c in method.numerator.terms(vintage) if c in rows)
            if method.kind == "count":
                values[ind_id] = num
            elif method.kind == "evolution":
                before = table(key, base_vintage)[method.numerator.columns(base_vintage)[0]].sum()
                values[ind_id] = (num / before - 1) * 100 if before else None
            else:
                den_rows = table(den_key, den_vintage) if den_key else rows
                den = sum(sign * den_rows[c].sum() for sign, c in
                          method.denominator.terms(den_vintage or vintage) if c in den_rows)
                if method.kind == "annual_rate":
                    values[ind_id] = ((num / den) ** (1 / method.years) - 1) * 100 if den else None
                else:
                    values[ind_id] = num / den * method.scale if den else None
        results[t.code] = values
    return results


# ---------------------------------------------------------------------------
# The kit
# ---------------------------------------------------------------------------
def _first_computation(territory, repeat: int = 3) -> list[float]:
    """Indicators computed from a store without derived tables nor stored reference values."""
    source = config.store_dir()
    times = []
    with tempfile.TemporaryDirectory(prefix="bench-indicateurs-") as tmp:
        target = os.path.join(tmp, "store")
        os.makedirs(target)
        for name in os.listdir(source):  # the ingested files only
            if name.endswith((".parquet", ".json")) and not name.startswith("."):
                os.symlink(os.path.join(source, name), os.path.join(target, name))
        with cache_dir(tmp):
            for _ in range(repeat):
                shutil.rmtree(os.path.join(target, data.DERIVED_DIR), ignore_errors=True)
                indicators.clear_cache()
                data.clear_cache()
                times += timed(lambda: indicators.compute(territory), 1)
    indicators.clear_cache()
    data.clear_cache()
    return times


def _fresh_process(code: str, repeat: int) -> list[float]:
    script = ("import json, time\n"
              "from diagnostic import indicators\n"
              "from diagnostic.territory import resolve\n"
              f"t = resolve({code!r})\n"
              "t0 = time.perf_counter()\n"
              "indicators.compute(t)\n"
              "print(json.dumps(time.perf_counter() - t0))\n")
    return [json.loads(run_python(script)[1].strip().splitlines()[-1]) for _ in range(repeat)]


def run() -> None:
    plans = _plans()
    for kind, code in TERRITORIES.items():
        territory = resolve(code)
        indicators.compute(territory)  # store and derived tables ready

        def cold():
            indicators.clear_cache()
            data.clear_cache()
            indicators.compute(territory)

        lot_times = timed(lambda: indicators.compute(territory), REPEAT)
        cold_times = timed(cold, REPEAT)
        naive_times = timed(lambda: naive(territory, plans), NAIVE_REPEAT)
        fresh_times = _fresh_process(code, FRESH_REPEAT)
        first_times = _first_computation(territory)
        store.clear_memory()
        report(f"indicateurs_{kind}_median", 1000 * median(cold_times), "ms", "≤ 100 ms")
        report(f"indicateurs_{kind}_p95", 1000 * p95(cold_times), "ms")
        report(f"indicateurs_{kind}_lot_median", 1000 * median(lot_times), "ms")
        report(f"indicateurs_{kind}_lot_p95", 1000 * p95(lot_times), "ms")
        report(f"indicateurs_{kind}_processus_neuf_median", 1000 * median(fresh_times), "ms")
        report(f"indicateurs_{kind}_premier_calcul_median", 1000 * median(first_times), "ms")
        report(f"indicateurs_{kind}_naif_median", 1000 * median(naive_times), "ms")
        report(f"indicateurs_{kind}_ratio_naif", median(naive_times) / median(cold_times), "x", "≥ 50 x")
        report(f"indicateurs_{kind}_ratio_naif_lot", median(naive_times) / median(lot_times), "x", "≥ 50 x")
        report(f"indicateurs_{kind}_ratio_naif_processus_neuf", median(naive_times) / median(fresh_times), "x")
    note("froid : état du moteur d'indicateurs vidé, stock sur disque (tables dérivées et références "
         "stockées) ; lot : références partagées en mémoire ; naïf : fichiers originaux relus avec pandas")
