"""`zhongtai import`: register a source and import till files as an operator does (a real subprocess)."""

from __future__ import annotations

from tests import factories as f

HEADER = "transaction_id,line_no,store_code,till_id,occurred_at,type,sku_code,barcode,quantity,unit_price_fen"


class TestImportPos:
    def test_register_import_and_import_again(self, zt, db, tmp_path):
        store, sku = f.store(db), f.catalog_sku(db)
        out = zt("import", "source", "TILLS-1", "--type", "pos", "--store", store.code).stdout
        assert "api key: zt_" in out
        path = tmp_path / "day.csv"
        path.write_text("\n".join([HEADER, *(f"T{i},1,{store.code},T1,2026-11-20T10:00:00+08:00,sale,{sku.code},,1,990"
                                            for i in range(30)), f"X,1,{store.code},T1,bad,sale,{sku.code},,1,1"]) + "\n")
        first = zt("import", "pos", str(path), "--source", "TILLS-1").stdout
        assert "31" in first and "30" in first and "bad_timestamp" in first
        again = zt("import", "pos", str(path), "--source", "TILLS-1", "--format", "csv").stdout
        row = next(line for line in again.splitlines() if line.strip().startswith("│ 31"))
        assert [c.strip() for c in row.strip("│ ").split("│")] == ["31", "0", "31", "0"]
        assert "ok" in zt("inventory", "verify").stdout
        batch_id = next(w for w in first.split() if w.count("-") == 4)
        redo = zt("import", "reprocess", batch_id).stdout
        assert "│ 31" in redo and "bad_timestamp" not in redo

    def test_an_unknown_source_exits_2_with_its_code(self, zt, tmp_path):
        path = tmp_path / "x.csv"
        path.write_text(HEADER + "\n")
        proc = zt("import", "pos", str(path), "--source", "NOPE", ok=False)
        assert proc.returncode == 2 and "source_not_found" in proc.stderr

    def test_every_kind_is_a_subcommand(self, zt):
        assert "pos" in zt("import", "--help").stdout


class TestRegisterSource:
    def test_a_mapping_preset_goes_into_the_config_and_a_bad_one_is_refused(self, zt, db):
        from zhongtai.integration import service

        zt("import", "source", "SHOP-1", "--type", "ecommerce", "--mapping", "tmall")
        assert service.get_source(db, code="SHOP-1").config == {"mapping": "tmall"}
        bad = zt("import", "source", "SHOP-2", "--type", "ecommerce", "--mapping", "nope", ok=False)
        assert bad.returncode == 2 and "mapping_invalid" in bad.stderr
