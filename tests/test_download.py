"""Download of a missing file from an official URL, served here from loopback."""
import functools
import http.server
import threading
import zipfile

import pytest

from diagnostic import store
from diagnostic.errors import MissingData
from diagnostic.sources import REGISTRY, find, refresh


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a, **k: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_missing_file_is_downloaded_into_the_mirror(isolated, server, monkeypatch):
    root, base = server
    with zipfile.ZipFile(root / "cog_ensemble_2022_csv.zip", "w") as zf:
        zf.writestr("region_2022.csv", "REG,CHEFLIEU,TNCC,NCC,NCCENR,LIBELLE\n28,14118,0,NORMANDIE,Normandie,Normandie\n")
        zf.writestr("departement_2022.csv", "DEP,REG,CHEFLIEU,TNCC,NCC,NCCENR,LIBELLE\n61,28,61001,5,ORNE,Orne,Orne\n")
    monkeypatch.delenv("DIAGNOSTIC_HORS_LIGNE")
    product = REGISTRY["cog_regions"]
    monkeypatch.setattr(type(product), "download_urls", lambda self: [f"{base}/cog_ensemble_2022_csv.zip"])
    ds = find("cog_regions")[0]
    assert ds.path == isolated / "cog" / "region_2022.csv" and ds.vintage == 2022
    assert store.load(ds)["LIBELLE"].tolist() == ["Normandie"]


def test_unreachable_url_says_which_file_to_place(isolated, monkeypatch):
    monkeypatch.delenv("DIAGNOSTIC_HORS_LIGNE")
    product = REGISTRY["cog_regions"]
    monkeypatch.setattr(type(product), "download_urls", lambda self: ["http://127.0.0.1:9/absent.zip"])
    refresh()
    with pytest.raises(MissingData) as err:
        find("cog_regions")
    assert "Téléchargement impossible" in str(err.value) and "v_region_2023.csv" in str(err.value)


def test_pynsee_catalogue_gives_official_links():
    urls = REGISTRY["filosofi"].download_urls() + REGISTRY["rp_iris_familles"].download_urls()
    assert all(u.startswith("https://www.insee.fr/") for u in urls)
    assert any("base-ic-couples-familles-menages-2019" in u for u in urls)
