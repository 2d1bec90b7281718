"""The demo retailer's stores: 鲜丰汇 (Xianfenghui), a fresh-food supermarket chain in Shanghai."""

from __future__ import annotations

DAILY_7_22 = {d: [{"open": "07:00", "close": "22:00"}] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
DAILY_10_22 = {d: [{"open": "10:00", "close": "22:00"}] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
ALWAYS = {d: [{"open": "00:00", "close": "24:00"}] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
FRESH = ["fish_cleaning", "meat_cutting", "fruit_cutting"]

# code, name, format, district, address, lat, lon, delivery radius km, services, hours
STORES = [
    ("SH001", "鲜丰汇 徐家汇店", "supermarket", "徐汇区", "漕溪北路 88 号", 31.1946, 121.4370, 3.0, FRESH, DAILY_7_22),
    ("SH002", "鲜丰汇 人民广场店", "supermarket", "黄浦区", "西藏中路 268 号", 31.2335, 121.4752, 3.0, FRESH, DAILY_7_22),
    ("SH003", "鲜丰汇 陆家嘴店", "fresh", "浦东新区", "陆家嘴环路 1000 号", 31.2397, 121.4998, 3.0, FRESH,
     DAILY_7_22),
    ("SH004", "鲜丰汇 五角场店", "supermarket", "杨浦区", "邯郸路 600 号", 31.3005, 121.5133, 3.0, FRESH, DAILY_7_22),
    ("SH005", "鲜丰汇 中山公园店", "supermarket", "长宁区", "长宁路 1018 号", 31.2199, 121.4166, 3.0,
     ["fish_cleaning"], DAILY_7_22),
    ("SH006", "鲜丰汇 静安寺店", "fresh", "静安区", "南京西路 1618 号", 31.2231, 121.4457, 2.5, FRESH, DAILY_7_22),
    ("SH007", "鲜丰汇 虹桥店", "supermarket", "闵行区", "申长路 688 号", 31.1939, 121.3206, 3.0, ["meat_cutting"],
     DAILY_7_22),
    ("SH008", "鲜丰汇 七宝店", "fresh", "闵行区", "七莘路 3655 号", 31.1565, 121.3513, 3.0, FRESH, DAILY_7_22),
    ("SH009", "鲜丰汇 莘庄店", "supermarket", "闵行区", "莘松路 958 号", 31.1110, 121.3855, 3.0, FRESH, DAILY_7_22),
    ("SH010", "鲜丰汇 张江店", "fresh", "浦东新区", "祖冲之路 2288 号", 31.2040, 121.5900, 3.5, FRESH, DAILY_7_22),
    ("SH011", "鲜丰汇 世纪公园店", "supermarket", "浦东新区", "锦绣路 1001 号", 31.2160, 121.5510, 3.0, [],
     DAILY_7_22),
    ("SH012", "鲜丰汇·衣 淮海中路店", "apparel", "黄浦区", "淮海中路 999 号", 31.2175, 121.4595, 0.0, [],
     DAILY_10_22),
]
WAREHOUSE = ("WH01", "鲜丰汇 嘉定常温冷链仓", "warehouse", "嘉定区", "嘉定工业区叶城路 1288 号", 31.3506, 121.2400, 0.0,
             [], ALWAYS)
