"""The demo catalogue and opening stock generator: pure data, checked without a database."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import pytest

from zhongtai.catalog.policies import is_valid_ean13
from zhongtai.demo import catalog
from zhongtai.demo.stores import STORES, WAREHOUSE

TODAY = date(2026, 3, 14)
LOCATIONS = [(row[0], row[2]) for row in [*STORES, WAREHOUSE]]


@pytest.fixture(scope="module")
def cat() -> catalog.Catalogue:
    return catalog.generate()


@pytest.fixture(scope="module")
def plan() -> dict[str, catalog.LocationStock]:
    return {p.code: p for p in catalog.stock_plan(LOCATIONS, today=TODAY)}


@pytest.fixture(scope="module")
def department(cat) -> dict[str, str]:
    return {s.code: p.product.category_code for p in cat.products for s in p.skus}


def skus_in(cat, prefix: str):
    return [s for p in cat.products if p.product.category_code.startswith(prefix) for s in p.skus]


def locations_with(plan, department, prefix: str) -> set[str]:
    return {code for code, p in plan.items() if any(department[c].startswith(prefix) for c in amounts(p))}


def amounts(stock: catalog.LocationStock) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for line in stock.receipts:
        totals[line.sku_code] += line.amount
    for code, _ in stock.safety_stock:
        totals.setdefault(code, 0)
    return totals


class TestCatalogue:
    def test_is_the_same_for_the_same_seed(self, cat):
        assert catalog.generate() == cat
        assert catalog.generate(seed=7).skus[0].barcode != cat.skus[0].barcode

    def test_has_a_few_thousand_skus_in_every_department(self, cat):
        assert 2_000 <= len(cat.skus) <= 4_000
        assert {p.department for p in cat.products} == {"FRESH", "DAIRY", "GROCERY", "HOUSEHOLD", "APPAREL"}

    def test_barcodes_are_unique_chinese_ean13(self, cat):
        barcodes = [s.barcode for s in cat.skus]
        assert len(set(barcodes)) == len(barcodes)
        assert all(is_valid_ean13(b) and "690" <= b[:3] <= "699" for b in barcodes)

    def test_codes_are_unique(self, cat):
        assert len({s.code for s in cat.skus}) == len(cat.skus)
        assert len({p.product.code for p in cat.products}) == len(cat.products)

    def test_products_sit_in_leaf_categories_of_a_five_department_tree(self, cat):
        parents = {c.code: c.parent_code for c in cat.categories}
        leaves = set(parents) - set(parents.values())
        assert sorted(c for c, p in parents.items() if p is None) == ["APPAREL", "DAIRY", "FRESH", "GROCERY",
                                                                      "HOUSEHOLD"]
        assert all(p.parent_code in parents for p in cat.categories if p.parent_code)
        assert {p.product.category_code for p in cat.products} == leaves

    def test_names_are_chinese_and_english(self, cat):
        for sku in cat.skus:
            assert any("\u4e00" <= ch <= "\u9fff" for ch in sku.name_zh), sku.code
            assert sku.name_en and sku.name_en.isascii(), sku.code
        assert all(p.product.brand in catalog.BRANDS or not p.product.brand for p in cat.products)

    def test_meat_seafood_and_deli_are_sold_by_weight_and_only_fresh_is(self, cat):
        for prefix in ("FRESH-MEAT", "FRESH-SEAFOOD", "FRESH-DELI"):
            assert {s.unit for s in skus_in(cat, prefix)} == {"gram"}
        assert {s.unit for s in skus_in(cat, "FRESH-FRUIT") + skus_in(cat, "FRESH-VEG")} == {"gram", "piece"}
        assert all(s.unit == "piece" for s in cat.skus if not s.code.startswith("FR-"))

    def test_fresh_keeps_one_to_seven_days(self, cat):
        assert all(1 <= s.shelf_life_days <= 7 for s in skus_in(cat, "FRESH"))
        assert all(s.cold_chain for s in skus_in(cat, "FRESH-MEAT") + skus_in(cat, "FRESH-SEAFOOD"))

    def test_dairy_is_chilled_pieces_keeping_one_to_three_weeks(self, cat):
        assert all(s.unit == "piece" and s.cold_chain and 7 <= s.shelf_life_days <= 21
                   for s in skus_in(cat, "DAIRY"))

    def test_ambient_goods_have_no_shelf_life_tracking(self, cat):
        for prefix in ("GROCERY", "HOUSEHOLD", "APPAREL"):
            assert all(s.shelf_life_days is None and not s.cold_chain for s in skus_in(cat, prefix))

    def test_prices_are_believable(self, cat):
        for sku in cat.skus:
            if sku.unit == "gram":  # per kilogram: greens at a few yuan up to hairy crab
                assert 200 <= sku.list_price_fen <= 25_000, sku.name_zh
            else:  # a bottle of water up to a bottle of Moutai
                assert 50 <= sku.list_price_fen <= 200_000, sku.name_zh
        assert all(s.list_price_fen % 10 == 0 for s in cat.skus)

    def test_apparel_comes_in_colour_and_size_runs(self, cat):
        for product in (p for p in cat.products if p.department == "APPAREL"):
            colours = {s.spec.split("/")[0] for s in product.skus}
            sizes = {s.spec.split("/")[1] for s in product.skus}
            assert len(colours) >= 2 and len(sizes) >= 5
            assert len(product.skus) == len(colours) * len(sizes)


class TestStockPlan:
    def test_every_location_has_stock(self, plan):
        assert set(plan) == {code for code, _ in LOCATIONS}
        assert all(len(p.receipts) > 100 for p in plan.values())

    def test_apparel_only_in_the_apparel_store_and_the_warehouse(self, plan, department):
        assert locations_with(plan, department, "APPAREL") == {"SH012", "WH01"}

    def test_no_fresh_in_the_apparel_store_or_the_warehouse(self, plan, department):
        stores = {code for code, fmt in LOCATIONS if fmt in ("supermarket", "fresh")}
        assert locations_with(plan, department, "FRESH") == stores

    def test_amounts_look_like_a_real_store(self, plan, cat):
        units = {s.code: s.unit for s in cat.skus}
        for code, stock in plan.items():
            for sku_code, amount in amounts(stock).items():
                if units[sku_code] == "gram":
                    assert 300 <= amount <= 40_000
                elif code != "WH01":
                    assert 0 <= amount <= 200

    def test_stores_have_sold_out_and_low_stock_rows(self, plan):
        for code, stock in plan.items():
            on_hand = amounts(stock)
            below = [c for c, floor in stock.safety_stock if on_hand[c] < floor]
            assert len(below) >= 5, code
            if code != "WH01":
                assert any(on_hand[c] == 0 for c, _ in stock.safety_stock), code

    def test_fresh_batches_are_dated_within_shelf_life_and_some_expire_within_48_hours(self, plan, cat):
        shelf = {s.code: s.shelf_life_days for s in cat.skus}
        for code, stock in plan.items():
            dated = [ln for ln in stock.receipts if ln.best_before is not None]
            assert all(shelf[ln.sku_code] for ln in dated)
            assert all(shelf[ln.sku_code] is None for ln in stock.receipts if ln.best_before is None)
            assert all(TODAY <= ln.best_before <= TODAY + timedelta(days=shelf[ln.sku_code]) for ln in dated)
            if code.startswith("SH") and code != "SH012":
                assert sum(ln.best_before <= TODAY + timedelta(days=2) for ln in dated) >= 10, code

    def test_only_dates_depend_on_today(self, plan):
        later = {p.code: p for p in catalog.stock_plan(LOCATIONS, today=TODAY + timedelta(days=30))}
        for code, stock in plan.items():
            assert [(ln.sku_code, ln.amount) for ln in later[code].receipts] == [
                (ln.sku_code, ln.amount) for ln in stock.receipts]

    def test_walk_in_buffers_are_in_grams_on_weighed_categories(self, cat):
        store_codes = {code for code, _ in LOCATIONS}
        for store, category, percent, buffer in catalog.ALLOCATIONS:
            assert store in store_codes and 0 < percent <= 100
            if buffer:
                assert {s.unit for s in skus_in(cat, category)} == {"gram"}
