"""Which backend a warehouse value names, where a DuckLake keeps its files, and that the shipped deployment
example sets the variables the code reads."""

from pathlib import Path

import pytest
import yaml

from flywheel_assets import warehouse
from flywheel_assets.warehouse_spec import WarehouseSpec, extension_path, parse

REPO = Path(__file__).resolve().parents[1]


def test_plain_path_stays_embedded_duckdb(tmp_path):
    spec = parse(tmp_path / "w.duckdb")
    assert spec.kind == "duckdb" and not spec.multi_writer and spec.lock_path == tmp_path / "w.duckdb.lock"
    assert warehouse.resolve(str(tmp_path / "w.duckdb")) == tmp_path / "w.duckdb"  # callers still get a Path
    assert not warehouse.multi_writer(tmp_path / "w.duckdb")


def test_ducklake_urls(tmp_path, monkeypatch):
    monkeypatch.delenv("FLYWHEEL_LAKE_DATA", raising=False)
    s = parse(f"ducklake:sqlite:{tmp_path}/c.sqlite")
    assert (s.catalog_type, s.catalog, s.data_path) == ("sqlite", f"{tmp_path}/c.sqlite", f"{tmp_path}/c.sqlite.files/")
    assert s.multi_writer and s.lock_path is None
    assert s.with_name("landing_index.json") == tmp_path / "landing_index.json" and s.parent == tmp_path
    d = parse(f"ducklake:duckdb:{tmp_path}/c.ducklake", lake_data=tmp_path / "files")
    assert not d.multi_writer and d.lock_path == tmp_path / "c.ducklake.lock" and d.data_path == f"{tmp_path}/files/"
    p = parse("ducklake:postgres:dbname=lake host=db password=hunter2", lake_data="s3://bucket/wh")
    assert p.multi_writer and p.data_path == "s3://bucket/wh/" and "hunter2" not in str(p)
    assert warehouse.multi_writer("ducklake:postgres:dbname=lake") and isinstance(warehouse.resolve(p), WarehouseSpec)
    monkeypatch.setenv("FLYWHEEL_LAKE_DATA", str(tmp_path / "env_data"))
    assert parse("ducklake:postgres:dbname=lake").data_path == f"{tmp_path}/env_data/"


@pytest.mark.parametrize("bad", ["ducklake:mysql:x", "ducklake:sqlite:", "ducklake:postgres:dbname=x"])
def test_bad_values_fail_with_a_message(bad, monkeypatch):
    monkeypatch.delenv("FLYWHEEL_LAKE_DATA", raising=False)
    with pytest.raises(ValueError, match="ducklake|data path"):
        parse(bad)


def test_extensions_come_from_the_pypi_packages():
    for name in ("ducklake", "sqlite_scanner", "postgres_scanner", "httpfs"):
        path = extension_path(name)
        assert path.is_file() and "duckdb_ext" in path.parts


def test_resource_and_pool_follow_the_backend(tmp_path, monkeypatch):
    from flywheel_assets.defs.partitions import _warehouse_pool
    from flywheel_assets.defs.resources import FlywheelResource

    r = FlywheelResource(warehouse=f"ducklake:sqlite:{tmp_path}/c.sqlite", lake_data=str(tmp_path / "d"))
    assert isinstance(r.warehouse_path, WarehouseSpec) and r.warehouse_path.data_path == f"{tmp_path}/d/"
    assert r.index_path == tmp_path / "landing_index.json"
    assert FlywheelResource(warehouse=str(tmp_path / "w.duckdb")).warehouse_path == tmp_path / "w.duckdb"
    monkeypatch.setenv("FLYWHEEL_CONFIG", str(tmp_path / "none.yaml"))
    monkeypatch.setenv("FLYWHEEL_WAREHOUSE", "ducklake:postgres:dbname=x")
    assert _warehouse_pool() is None
    monkeypatch.setenv("FLYWHEEL_WAREHOUSE", str(tmp_path / "w.duckdb"))
    assert _warehouse_pool() == "duckdb_warehouse"


def test_k8s_example_sets_what_the_code_reads():
    k8s = REPO / "docs" / "deploy" / "k8s"
    cm = yaml.safe_load((k8s / "configmap.yaml").read_text())["data"]
    spec = parse(cm["FLYWHEEL_WAREHOUSE"], cm["FLYWHEEL_LAKE_DATA"])
    assert spec.catalog_type == "postgres" and spec.multi_writer and spec.data_path.startswith("s3://")
    secret = yaml.safe_load((k8s / "secret.example.yaml").read_text())["stringData"]
    assert {"FLYWHEEL_PII_KEY", "PGPASSWORD", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} <= set(secret)
    values = yaml.safe_load((k8s / "values.yaml").read_text())
    assert values["runLauncher"]["type"] == "K8sRunLauncher"
    dep = values["dagster-user-deployments"]["deployments"][0]
    assert dep["dagsterApiGrpcArgs"][-1] == "flywheel_assets.definitions"
    assert {s["name"] for s in dep["envSecrets"]} == {"flywheel-secrets"}
