"""The demo retailer's catalogue and opening stock, generated from lists of real product kinds and brands.

Pure data: no I/O. A seeded `random.Random` makes every run build the same SKUs, codes and barcodes, so a
demo database can be rebuilt and compared. The builder feeds these rows through the domains' services.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache

from zhongtai.catalog.policies import ean13_check_digit
from zhongtai.catalog.schemas import CategoryCreate, ProductCreate, SkuCreate
from zhongtai.inventory.schemas import ReceiptLine

SEED = 20240618

# --- the category tree --------------------------------------------------------------------------------

CATEGORIES: tuple[tuple[str, str, str, str | None], ...] = (
    # code, Chinese, English, parent
    ("FRESH", "生鲜", "Fresh", None),
    ("FRESH-FRUIT", "水果", "Fruit", "FRESH"),
    ("FRESH-VEG", "蔬菜", "Vegetables", "FRESH"),
    ("FRESH-MEAT", "肉禽", "Meat & poultry", "FRESH"),
    ("FRESH-SEAFOOD", "水产海鲜", "Fish & seafood", "FRESH"),
    ("FRESH-DELI", "熟食", "Deli", "FRESH"),
    ("DAIRY", "乳品冷藏", "Dairy & chilled", None),
    ("DAIRY-MILK", "鲜奶", "Fresh milk", "DAIRY"),
    ("DAIRY-YOGURT", "酸奶乳饮", "Yogurt & cultured drinks", "DAIRY"),
    ("DAIRY-CHILLED", "蛋品豆品冷藏", "Eggs, tofu & chilled", "DAIRY"),
    ("GROCERY", "粮油副食", "Grocery", None),
    ("GROCERY-STAPLES", "米面粮油", "Rice, flour & oil", "GROCERY"),
    ("GROCERY-CONDIMENTS", "调味品", "Condiments", "GROCERY"),
    ("GROCERY-SNACKS", "零食饮料", "Snacks & drinks", "GROCERY"),
    ("GROCERY-ALCOHOL", "酒水", "Beer, wine & spirits", "GROCERY"),
    ("HOUSEHOLD", "日用百货", "Household", None),
    ("HOUSEHOLD-CLEANING", "清洁", "Cleaning", "HOUSEHOLD"),
    ("HOUSEHOLD-CARE", "个护", "Personal care", "HOUSEHOLD"),
    ("HOUSEHOLD-KITCHEN", "厨具", "Kitchenware", "HOUSEHOLD"),
    ("APPAREL", "服装", "Apparel", None),
    ("APPAREL-MEN", "男装", "Men", "APPAREL"),
    ("APPAREL-WOMEN", "女装", "Women", "APPAREL"),
    ("APPAREL-KIDS", "童装", "Kids", "APPAREL"),
)
SKU_PREFIX = {"FRESH": "FR", "DAIRY": "DA", "GROCERY": "GR", "HOUSEHOLD": "HH", "APPAREL": "AP"}

# --- brands (Chinese name -> English name) ------------------------------------------------------------

OWN_BRAND = "鲜丰汇"
BRANDS = {
    OWN_BRAND: "Xianfenghui",
    # meat
    "双汇": "Shuanghui", "金锣": "Jinluo", "雨润": "Yurun", "壹号土猪": "Yihao Tuzhu", "恒都": "Hengdu",
    "科尔沁": "Kerchin", "草原宏宝": "Caoyuan Hongbao", "圣农": "Sunner", "凤祥": "Fengxiang", "正大": "CP",
    # dairy & chilled
    "光明": "Bright Dairy", "蒙牛": "Mengniu", "伊利": "Yili", "新希望": "New Hope", "三元": "Sanyuan",
    "君乐宝": "Junlebao", "简爱": "Simplove", "乐纯": "Lechun", "卡士": "Classy Kiss", "味全": "Weichuan",
    "北海牧场": "Beihai Pasture", "养乐多": "Yakult", "德青源": "DQY", "黄天鹅": "Yellow Swan",
    "圣迪乐村": "SDL", "清美": "Qingmei", "祖名": "Zuming", "农夫山泉": "Nongfu Spring",
    # staples
    "福临门": "Fortune", "金龙鱼": "Arawana", "十月稻田": "Shiyue Daotian", "柴火大院": "Chaihuo Dayuan",
    "香满园": "Xiangmanyuan", "五得利": "Wudeli", "陈克明": "Chenkeming", "金沙河": "Jinshahe",
    "中粮香雪": "COFCO Xiangxue", "百味来": "Barilla", "鲁花": "Luhua", "胡姬花": "Hujihua", "西王": "Xiwang",
    "长寿花": "Changshouhua", "多力": "Duoli", "欧丽薇兰": "Olivoila", "崔字牌": "Cuizi", "桂格": "Quaker",
    "西麦": "Seamild", "康师傅": "Master Kong", "统一": "Uni-President", "白象": "Baixiang",
    "今麦郎": "Jinmailang", "日清": "Nissin", "梅林": "Maling", "好欢螺": "Haohuanluo", "李子柒": "Li Ziqi",
    "莫小仙": "Mo Xiaoxian", "林家铺子": "Linjiapuzi", "银鹭": "Yinlu",
    "南方黑芝麻": "Nanfang Black Sesame", "西湖": "West Lake", "龙大": "Longda", "五芳斋": "Wufangzhai",
    "白家陈记": "Baijia Chenji", "甘竹": "Ganzhu",
    # condiments
    "海天": "Haday", "李锦记": "Lee Kum Kee", "厨邦": "Chubang", "千禾": "Qianhe", "欣和": "Shinho",
    "加加": "Jiajia", "恒顺": "Hengshun", "紫林": "Zilin", "老恒和": "Laohenghe", "王致和": "Wangzhihe",
    "太太乐": "Totole", "家乐": "Knorr", "老干妈": "Lao Gan Ma", "丹丹": "Dandan", "海底捞": "Haidilao",
    "桥头": "Qiaotou", "幺麻子": "Yaomazi", "好人家": "Haorenjia", "古松": "Gusong",
    "坛坛乡": "Tantanxiang", "小肥羊": "Little Sheep", "亨氏": "Heinz", "丘比": "Kewpie", "王守义": "Wangshouyi",
    "好侍": "House", "六必居": "Liubiju", "乌江": "Wujiang", "冠生园": "Guanshengyuan", "中盐": "China Salt",
    "味好美": "McCormick", "莲花": "Lianhua", "舒可曼": "Sugarman", "宝鼎": "Baoding", "咸亨": "Xianheng",
    # snacks & drinks
    "三只松鼠": "Three Squirrels", "良品铺子": "Bestore", "百草味": "Be&Cheery", "洽洽": "ChaCheer",
    "乐事": "Lay's", "可比克": "Copico", "品客": "Pringles", "奥利奥": "Oreo", "趣多多": "Chips Ahoy",
    "好丽友": "Orion", "旺旺": "Want Want", "德芙": "Dove", "士力架": "Snickers", "大白兔": "White Rabbit",
    "费列罗": "Ferrero", "阿尔卑斯": "Alpenliebe", "喜之郎": "Strong", "卫龙": "Weilong", "怡宝": "C'estbon",
    "百岁山": "Ganten", "景田": "Jingtian", "可口可乐": "Coca-Cola", "百事": "Pepsi", "雪碧": "Sprite",
    "三得利": "Suntory", "汇源": "Huiyuan", "美汁源": "Minute Maid", "红牛": "Red Bull", "东鹏": "Eastroc",
    "元气森林": "Genki Forest", "雀巢": "Nestle", "星巴克": "Starbucks", "维他奶": "Vitasoy",
    "椰树": "Coconut Palm", "王老吉": "Wanglaoji", "加多宝": "JDB", "娃哈哈": "Wahaha", "脉动": "Mizone",
    "美好时光": "Good Time", "立顿": "Lipton", "有友": "Youyou", "劲仔": "Jinzai", "上好佳": "Oishi",
    "益达": "Extra", "绿箭": "Doublemint", "不二家": "Fujiya", "OATLY": "Oatly",
    # alcohol
    "青岛啤酒": "Tsingtao", "雪花": "Snow", "百威": "Budweiser", "哈尔滨": "Harbin", "燕京": "Yanjing",
    "喜力": "Heineken", "科罗娜": "Corona", "乐堡": "Tuborg", "茅台": "Moutai", "五粮液": "Wuliangye",
    "洋河": "Yanghe", "泸州老窖": "Luzhou Laojiao", "牛栏山": "Niulanshan", "红星": "Red Star",
    "汾酒": "Fenjiu", "古越龙山": "Guyue Longshan", "会稽山": "Kuaijishan", "石库门": "Shikumen",
    "和酒": "Hejiu", "张裕": "Changyu", "长城": "Great Wall", "奔富": "Penfolds", "锐澳": "RIO",
    "梅见": "Meijian", "尊尼获加": "Johnnie Walker", "绝对": "Absolut", "鹅岛": "Goose Island",
    "拳击猫": "Boxing Cat",
    # cleaning
    "蓝月亮": "Bluemoon", "立白": "Liby", "奥妙": "OMO", "超能": "Chaoneng", "雕牌": "Diao", "碧浪": "Ariel",
    "白猫": "White Cat", "威露士": "Walch", "滴露": "Dettol", "威猛先生": "Mr Muscle", "维达": "Vinda",
    "清风": "Breeze", "心相印": "Hearttex", "洁柔": "C&S", "美丽雅": "Meiliya", "妙洁": "Miaojie",
    "金纺": "Comfort", "雷达": "Raid", "汰渍": "Tide",
    "南孚": "Nanfu", "双鹿": "Shuanglu",
    # personal care
    "高露洁": "Colgate", "佳洁士": "Crest", "云南白药": "Yunnan Baiyao", "黑人": "Darlie",
    "舒适达": "Sensodyne", "欧乐B": "Oral-B", "海飞丝": "Head & Shoulders", "飘柔": "Rejoice",
    "潘婷": "Pantene", "清扬": "Clear", "沙宣": "Vidal Sassoon", "阿道夫": "Adolph", "舒肤佳": "Safeguard",
    "力士": "Lux", "六神": "Liushen", "多芬": "Dove", "曼秀雷敦": "Mentholatum", "妮维雅": "Nivea",
    "旁氏": "Pond's", "苏菲": "Sofy", "护舒宝": "Whisper", "七度空间": "Space 7", "高洁丝": "Kotex",
    "帮宝适": "Pampers", "好奇": "Huggies", "花王": "Merries", "吉列": "Gillette", "百雀羚": "Pechoin",
    "李施德林": "Listerine", "凡士林": "Vaseline", "大宝": "Dabao", "舒耐": "Rexona", "全棉时代": "PurCotton",
    "洁丽雅": "Grace",
    "金号": "Kingshore",
    # kitchenware
    "苏泊尔": "Supor", "爱仕达": "ASD", "张小泉": "Zhang Xiaoquan", "十八子作": "Shibazi",
    "乐扣乐扣": "Lock&Lock", "特百惠": "Tupperware", "双枪": "Suncha", "膳魔师": "Thermos",
    "象印": "Zojirushi", "美的": "Midea", "九阳": "Joyoung", "富光": "Fuguang",
    # apparel
    "鲜丰汇·衣": "Xianfenghui Yi", "海澜之家": "HLA", "森马": "Semir", "真维斯": "JeansWest",
    "太平鸟": "Peacebird", "以纯": "Yishion", "李宁": "Li-Ning", "安踏": "Anta", "巴拉巴拉": "Balabala",
    "波司登": "Bosideng", "雅戈尔": "Youngor", "江南布衣": "JNBY", "红豆": "Hodo", "恒源祥": "Hengyuanxiang",
    "安奈儿": "Annil",
}

# --- fresh: sold by weight (price per kilogram) --------------------------------------------------------
# name | English | yuan per kg | shelf-life days | flags: c = cold chain, k = also a fresh-cut pack,
# pork/beef/lamb/poultry = also sold under two of that group's brands

FRUIT = """
烟台红富士苹果|Yantai Fuji apple|13.8|7|
阿克苏冰糖心苹果|Aksu sugar-heart apple|19.8|7|
洛川苹果|Luochuan apple|15.8|7|
陕西秦冠苹果|Shaanxi Qinguan apple|9.8|7|
花牛蛇果|Huaniu Red Delicious apple|16.8|7|
海南香蕉|Hainan banana|7.8|5|
菲律宾香蕉|Philippine banana|11.8|5|
帝王蕉|Lady finger banana|15.8|4|
赣南脐橙|Gannan navel orange|11.8|7|
砂糖橘|Shatang mandarin|12.8|7|
沃柑|Orah mandarin|13.8|7|
丑橘|Dekopon mandarin|19.8|7|
四川耙耙柑|Sichuan Ponkan mandarin|16.8|7|
琯溪蜜柚|Guanxi honey pomelo|7.8|7|k
红心柚|Red pomelo|9.8|7|k
安岳黄柠檬|Anyue lemon|13.8|7|
砀山酥梨|Dangshan crisp pear|7.8|7|
库尔勒香梨|Korla fragrant pear|15.8|7|
皇冠梨|Crown pear|9.8|7|
阳光玫瑰葡萄|Shine Muscat grape|39.8|5|c
巨峰葡萄|Kyoho grape|17.8|4|c
夏黑葡萄|Summer Black grape|19.8|4|c
新疆无核白葡萄|Xinjiang seedless grape|21.8|4|c
麒麟西瓜|Qilin watermelon|5.8|7|k
8424西瓜|8424 watermelon|7.8|7|k
新疆哈密瓜|Xinjiang Hami melon|9.8|7|k
红心火龙果|Red dragon fruit|15.8|7|k
徐香猕猴桃|Xuxiang kiwifruit|13.8|7|
红心猕猴桃|Red-heart kiwifruit|25.8|7|
丹东99草莓|Dandong 99 strawberry|59.8|3|c
红颜草莓|Benihoppe strawberry|45.8|3|c
智利车厘子|Chilean cherries|119.0|5|c
山东大樱桃|Shandong cherries|79.8|4|c
台农芒果|Tainong mango|13.8|5|k
贵妃芒|Guifei mango|15.8|5|
澳洲芒果|Australian mango|39.8|5|
泰国金枕榴莲|Thai Monthong durian|69.8|5|k
泰国山竹|Thai mangosteen|49.8|4|c
阳山水蜜桃|Yangshan honey peach|29.8|3|c
炎陵黄桃|Yanling yellow peach|15.8|4|
妃子笑荔枝|Feizixiao lychee|39.8|3|c
福建龙眼|Fujian longan|25.8|4|
仙居杨梅|Xianju bayberry|49.8|2|c
蒙自石榴|Mengzi pomegranate|17.8|7|
海南菠萝|Hainan pineapple|7.8|5|k
金钻凤梨|Golden pineapple|12.8|5|k
秘鲁牛油果|Peruvian avocado|39.8|5|
广西百香果|Guangxi passion fruit|15.8|7|
云南蓝莓|Yunnan blueberry|79.8|5|c
海南椰青|Hainan young coconut|11.8|7|
沾化冬枣|Zhanhua winter jujube|19.8|5|
塘栖枇杷|Tangqi loquat|29.8|3|c
三华李|Sanhua plum|15.8|4|
油桃|Nectarine|13.8|4|
台湾释迦|Taiwan sugar apple|49.8|3|
莲雾|Wax apple|35.8|3|c
红毛丹|Rambutan|35.8|3|c
千禧小番茄|Millennium cherry tomato|15.8|5|
"""

VEGETABLES = """
上海青|Shanghai bok choy|7.8|2|
鸡毛菜|Baby bok choy|11.8|1|
菠菜|Spinach|9.8|2|
生菜|Lettuce|8.8|2|
油麦菜|Indian lettuce|8.8|2|
空心菜|Water spinach|9.8|1|
韭菜|Garlic chives|9.8|2|
西芹|Celery|6.8|4|
西兰花|Broccoli|11.8|4|
有机花菜|Cauliflower|7.8|4|
大白菜|Napa cabbage|3.8|7|
圆白菜|Cabbage|3.8|7|
娃娃菜|Baby napa cabbage|9.8|5|
番茄|Tomato|7.8|5|
黄瓜|Cucumber|6.8|4|
长茄子|Eggplant|7.8|4|
青椒|Green pepper|7.8|5|
彩椒|Bell pepper|15.8|5|
杭椒|Hang pepper|11.8|4|
土豆|Potato|3.8|7|
胡萝卜|Carrot|3.8|7|
白萝卜|White radish|2.8|7|
洋葱|Onion|3.8|7|
大蒜|Garlic|13.8|7|
生姜|Ginger|13.8|7|
小葱|Spring onion|11.8|2|
香菜|Coriander|19.8|2|
铁棍山药|Iron-rod Chinese yam|11.8|7|
莲藕|Lotus root|9.8|5|
冬瓜|Winter melon|2.8|7|
南瓜|Pumpkin|3.8|7|
丝瓜|Loofah|9.8|3|
苦瓜|Bitter melon|9.8|4|
西葫芦|Zucchini|5.8|5|
豇豆|Yardlong bean|11.8|3|
四季豆|Green bean|11.8|3|
荷兰豆|Snow pea|19.8|3|
毛豆|Edamame|11.8|3|
甜玉米|Sweet corn|7.8|4|
香菇|Shiitake mushroom|19.8|4|c
金针菇|Enoki mushroom|9.8|5|c
杏鲍菇|King oyster mushroom|11.8|5|
平菇|Oyster mushroom|9.8|3|
蟹味菇|Shimeji mushroom|15.8|5|c
芦笋|Asparagus|39.8|3|c
春笋|Spring bamboo shoot|15.8|3|
茭白|Water bamboo|11.8|3|
蒜苔|Garlic scape|13.8|5|
绿豆芽|Mung bean sprouts|5.8|1|c
黄豆芽|Soybean sprouts|5.8|1|c
红薯|Sweet potato|5.8|7|
紫薯|Purple sweet potato|7.8|7|
芋艿|Taro|9.8|7|
秋葵|Okra|19.8|3|c
苋菜|Amaranth|9.8|1|
茼蒿|Crown daisy|11.8|2|
草头|Bur clover|19.8|1|
马兰头|Indian aster|29.8|1|
荠菜|Shepherd's purse|19.8|1|
"""

MEAT = """
冷鲜猪五花肉|Chilled pork belly|39.8|3|c pork
冷鲜猪里脊|Chilled pork tenderloin|35.8|3|c pork
冷鲜猪前腿肉|Chilled pork shoulder|29.8|3|c pork
冷鲜猪后腿肉|Chilled pork ham|27.8|3|c pork
猪小排|Pork baby ribs|49.8|3|c pork
猪大排|Pork chop|33.8|3|c pork
猪肋排|Pork spare ribs|59.8|3|c pork
猪蹄|Pork trotter|29.8|3|c pork
猪肉糜|Minced pork|29.8|2|c pork
猪筒骨|Pork leg bone|19.8|3|c pork
牛腱子|Beef shank|89.8|3|c beef
牛里脊|Beef tenderloin|119.0|3|c beef
牛腩|Beef brisket|79.8|3|c beef
牛肋条|Beef rib fingers|89.8|3|c beef
牛肉糜|Minced beef|69.8|2|c beef
羊排|Lamb ribs|99.8|3|c lamb
羊腿肉|Lamb leg|89.8|3|c lamb
鸡胸肉|Chicken breast|19.8|3|c poultry
鸡全翅|Chicken wings|35.8|3|c poultry
鸡翅中|Chicken mid-wings|49.8|3|c poultry
鸡腿|Chicken drumsticks|23.8|3|c poultry
鸡爪|Chicken feet|39.8|3|c poultry
三黄鸡|Sanhuang chicken|29.8|2|c poultry
老母鸡|Old hen|39.8|2|c poultry
乌鸡|Silkie chicken|45.8|2|c poultry
鸭腿|Duck leg|23.8|3|c poultry
整鸭|Whole duck|25.8|2|c poultry
鸽子|Pigeon|89.8|2|c
"""
MEAT_BRANDS = {"pork": "双汇 金锣 雨润 壹号土猪", "beef": "恒都 科尔沁", "lamb": "草原宏宝 科尔沁",
               "poultry": "圣农 凤祥 正大"}

SEAFOOD = """
鲜活鲈鱼|Live sea bass|49.8|1|c
鲜活草鱼|Live grass carp|19.8|1|c
鲜活鲫鱼|Live crucian carp|25.8|1|c
花鲢鱼头|Bighead carp head|25.8|1|c
鲜活黑鱼|Live snakehead|39.8|1|c
鲜活鳊鱼|Live Wuchang bream|29.8|1|c
鲜活鳜鱼|Live mandarin fish|119.0|1|c
昂刺鱼|Yellow catfish|49.8|1|c
冰鲜大黄鱼|Chilled large yellow croaker|59.8|2|c
冰鲜带鱼|Chilled hairtail|59.8|2|c
冰鲜银鲳鱼|Chilled silver pomfret|89.8|2|c
鲜活多宝鱼|Live turbot|79.8|1|c
挪威三文鱼|Norwegian salmon|179.0|2|c
银鳕鱼|Black cod|159.0|3|c
基围虾|Greasyback shrimp|89.8|1|c
白对虾|Whiteleg shrimp|69.8|1|c
黑虎虾|Black tiger prawn|129.0|2|c
太湖河虾|Taihu river shrimp|119.0|1|c
盱眙小龙虾|Xuyi crayfish|59.8|1|c
阳澄湖大闸蟹|Yangcheng Lake hairy crab|199.0|2|c
舟山梭子蟹|Zhoushan swimming crab|119.0|1|c
花蛤|Manila clam|19.8|1|c
蛏子|Razor clam|49.8|1|c
扇贝|Scallop|39.8|1|c
乳山生蚝|Rushan oyster|35.8|1|c
鱿鱼|Squid|49.8|2|c
墨鱼|Cuttlefish|59.8|2|c
黄鳝|Rice-field eel|89.8|1|c
泥鳅|Loach|39.8|1|c
甲鱼|Soft-shell turtle|139.0|1|c
海带结|Kelp knots|11.8|2|c
"""

DELI = """
北京烤鸭|Peking roast duck|69.8|1|c
南京盐水鸭|Nanjing salted duck|59.8|2|c
白切鸡|White-cut chicken|59.8|1|c
葱油鸡|Scallion-oil chicken|59.8|1|c
绍兴醉鸡|Shaoxing drunken chicken|79.8|2|c
本帮酱鸭|Shanghai soy-braised duck|65.8|2|c
蜜汁叉烧|Honey char siu|79.8|2|c
五香酱牛肉|Five-spice braised beef|139.0|2|c
卤猪蹄|Braised pork trotter|59.8|2|c
红烧肉|Red-braised pork belly|69.8|1|c
糖醋小排|Sweet and sour ribs|89.8|1|c
上海熏鱼|Shanghai smoked fish|79.8|2|c
四喜烤麸|Braised wheat gluten|39.8|2|c
糟卤凤爪|Wine-marinated chicken feet|59.8|2|c
卤鸭脖|Braised duck neck|49.8|2|c
油爆虾|Oil-fried river shrimp|129.0|1|c
凉拌海蜇|Jellyfish salad|69.8|1|c
素鸡|Tofu roll|29.8|2|c
台式烤肠|Taiwanese grilled sausage|49.8|2|c
脆皮烧肉|Crispy roast pork|89.8|1|c
卤牛肚|Braised beef tripe|99.8|2|c
烤鸡腿|Roast chicken leg|45.8|1|c
"""

# --- packaged goods: kinds made by several brands, in several pack sizes --------------------------------
# name | English | brands | "spec:yuan" … | flavours or types "中文=English,…" (optional)

DAIRY_MILK = """
鲜牛奶|Fresh milk|光明 蒙牛 伊利 新希望 三元 君乐宝|250ml:4.5 950ml:13.9 1.5L:19.8|
低脂鲜牛奶|Low-fat fresh milk|光明 三元 新希望|950ml:14.9|
优倍高品质鲜牛奶|Youbei premium fresh milk|光明|280ml:6.9 950ml:19.9 1.5L:28.8|
每日鲜语鲜牛奶|Daily Fresh milk|蒙牛|250ml:6.9 720ml:16.9 950ml:21.9|
金典鲜牛奶|Satine fresh milk|伊利|235ml:5.9 780ml:15.9|
悦鲜活鲜牛奶|Yuexianhuo fresh milk|君乐宝|260ml:7.9 450ml:11.9 950ml:21.9|
娟姗鲜牛奶|Jersey fresh milk|新希望 光明|255ml:8.9 950ml:26.9|
有机鲜牛奶|Organic fresh milk|光明 蒙牛 三元|250ml:7.9 950ml:24.9|
巴氏杀菌鲜羊奶|Pasteurised goat milk|新希望|200ml:9.9|
"""

DAIRY_YOGURT = """
低温酸奶|Chilled yogurt|光明 蒙牛 伊利 君乐宝 新希望|100g×8杯:15.9 200g:5.5 1kg:19.9|原味=plain,草莓味=strawberry,黄桃味=yellow peach,蓝莓味=blueberry,芒果味=mango
如实发酵乳|Rushi set yogurt|光明|135g:5.5 135g×4:19.9|原味=plain,无蔗糖=no added sugar
简爱裸酸奶|Simplove plain yogurt|简爱|100g×6:19.9 1.08kg:29.9|原味=plain,0蔗糖=zero sucrose
乐纯希腊酸奶|Lechun Greek yogurt|乐纯|135g×3:29.9|原味=plain,蓝莓味=blueberry,椰子味=coconut
餐后一小时酸奶|Classy Kiss bifidus yogurt|卡士|110g×3:15.9 250g:9.9|原味=plain,草莓味=strawberry
北海牧场酸奶|Beihai Pasture yogurt|北海牧场|200g:6.9 100g×6:19.9|原味=plain,燕麦=oat,紫米=purple rice
养乐多活菌乳酸菌饮品|Yakult probiotic drink|养乐多|100ml×5:12.5 100ml×20:45.0|原味=original,低糖=low sugar
味全活性乳酸菌饮料|Weichuan live cultured drink|味全|435ml:9.9 100ml×5:10.9|原味=original,芒果味=mango,葡萄味=grape
风味发酵乳|Flavoured fermented milk|蒙牛 伊利 光明|180g:5.9 180g×6:29.9|原味=plain,桃桃乌龙=peach oolong,奇亚籽燕麦=chia and oat
希腊式浓缩酸奶|Greek-style strained yogurt|简爱 乐纯 君乐宝|100g:6.9 100g×4:24.9|原味=plain,蓝莓=blueberry
老酸奶|Set yogurt|光明 三元|138g×8:29.9|原味=plain,红枣=red date
活性益生菌饮品|Live probiotic drink|光明 伊利|100ml×5:11.9|原味=original,低糖=low sugar
"""

DAIRY_CHILLED = """
鲜鸡蛋|Fresh eggs|德青源 黄天鹅 圣迪乐村 正大|10枚:15.9 15枚:22.9 30枚:39.9|
可生食鸡蛋|Raw-edible eggs|黄天鹅 德青源|6枚:19.9 12枚:36.9|
内酯豆腐|Silken tofu|清美 祖名|400g:2.5|
老豆腐|Firm tofu|清美 祖名|500g:4.5|
千张|Tofu skin|清美 祖名|250g:5.5|
油豆腐|Fried tofu puffs|清美 祖名|150g:5.9|
鲜豆浆|Fresh soy milk|清美 祖名|500ml:4.5 1L:7.9|原味=original,无糖=unsweetened
鲜面条|Fresh noodles|清美|500g:5.9|细面=thin,宽面=wide,碱水面=alkaline
馄饨皮|Wonton wrappers|清美|250g:4.5|
NFC鲜榨果汁|NFC chilled juice|农夫山泉|300ml:8.9 900ml:19.9|橙汁=orange,苹果汁=apple,芒果混合汁=mango blend
咸鸭蛋|Salted duck eggs|正大|6枚:15.9|
嫩豆花|Soft tofu pudding|清美|300g:4.9|
冷藏手工水饺|Chilled handmade dumplings|清美|500g:19.9|荠菜猪肉=pork and shepherd's purse,韭菜鸡蛋=egg and chives
"""

STAPLES = """
东北大米|Northeast rice|福临门 金龙鱼 十月稻田 柴火大院|2.5kg:27.9 5kg:49.9 10kg:89.9|
五常稻花香大米|Wuchang Daohuaxiang rice|十月稻田 柴火大院 福临门|2.5kg:49.9 5kg:89.9|
泰国香米|Thai jasmine rice|金龙鱼 福临门|5kg:69.9|
丝苗米|Simiao rice|金龙鱼|5kg:45.9|
杂粮|Grains|十月稻田 柴火大院|1kg:12.9|糯米=glutinous rice,小米=millet,黑米=black rice,红豆=red beans,绿豆=mung beans
面粉|Wheat flour|金龙鱼 香满园 五得利|1kg:8.9 2.5kg:19.9 5kg:35.9|高筋=bread,中筋=all-purpose,低筋=cake
挂面|Dried noodles|陈克明 金沙河 中粮香雪|500g:5.9 1kg:10.9|鸡蛋=egg,原味=plain,荞麦=buckwheat
意大利面|Spaghetti|百味来|500g:15.9|
1:1:1调和油|1:1:1 blended oil|金龙鱼|1.8L:32.9 5L:79.9|
5S压榨一级花生油|5S pressed peanut oil|鲁花|900ml:29.9 5L:149.9|
花生油|Peanut oil|胡姬花 金龙鱼 福临门|1.8L:49.9 5L:129.9|
玉米油|Corn oil|西王 长寿花 福临门 金龙鱼|1.8L:29.9 5L:69.9|
大豆油|Soybean oil|福临门 金龙鱼|5L:59.9|
菜籽油|Rapeseed oil|鲁花 金龙鱼|5L:79.9|
葵花籽油|Sunflower oil|多力 福临门|1.8L:39.9 5L:89.9|
特级初榨橄榄油|Extra-virgin olive oil|欧丽薇兰|500ml:59.9 750ml:89.9|
小磨香油|Stone-ground sesame oil|崔字牌 金龙鱼 鲁花|220ml:12.9 400ml:21.9|
燕麦片|Oatmeal|桂格 西麦|500g:14.9 1kg:25.9|即食=instant,原味=plain
方便面|Instant noodles|康师傅 统一 白象 今麦郎|5连包=5-pack:13.9 桶装=cup:4.5|红烧牛肉=braised beef,老坛酸菜=pickled cabbage,香辣牛肉=spicy beef
合味道杯面|Cup Noodles|日清|84g:6.5|海鲜=seafood,咖喱=curry
午餐肉罐头|Luncheon meat|梅林|340g:15.9 198g:9.9|
有机大米|Organic rice|十月稻田 柴火大院|2.5kg:59.9|
螺蛳粉|Luosifen rice noodles|好欢螺 李子柒|400g:15.9 400g×3:39.9|
自热火锅|Self-heating hotpot|海底捞 莫小仙|单盒=single:29.9 3盒:79.9|麻辣牛肉=spicy beef,番茄牛腩=tomato beef brisket,菌菇素食=mushroom
黄桃罐头|Yellow peach in syrup|林家铺子|425g:12.9 425g×6:69.9|
八宝粥|Eight-treasure porridge|娃哈哈 银鹭|360g:4.5 360g×12:45.0|桂圆莲子=longan and lotus seed,红豆=red bean
芝麻糊|Black sesame paste|南方黑芝麻|600g:25.9|原味=original,无糖=sugar-free
藕粉|Lotus root powder|西湖|300g:29.9|桂花=osmanthus,坚果=nuts
龙口粉丝|Longkou mung-bean vermicelli|龙大|200g:5.9 500g:12.9|
真空粽子|Vacuum-packed zongzi|五芳斋|140g×2:15.9 100g×10:49.9|鲜肉=pork,蛋黄肉=egg yolk and pork,豆沙=red bean
酸辣粉|Hot and sour glass noodles|白家陈记|130g:5.9 130g×6:29.9|
饺子粉|Dumpling flour|金龙鱼 香满园|2.5kg:21.9|
稻米油|Rice bran oil|金龙鱼|4L:69.9|
山茶油|Camellia oil|金龙鱼 鲁花|1L:119.0|
豆豉鲮鱼罐头|Fried dace with black beans|甘竹|227g:13.9|
"""

CONDIMENTS = """
金标生抽|Golden-label light soy sauce|海天 李锦记 厨邦 千禾 欣和 加加|500ml:9.9 1.28L:18.9 1.9L:26.9|
草菇老抽|Mushroom dark soy sauce|海天 李锦记 厨邦|500ml:10.9 1.28L:19.9|
味极鲜酱油|Weijixian soy sauce|海天 欣和 千禾|380ml:8.9 760ml:15.9|
蚝油|Oyster sauce|海天 李锦记 厨邦|260g:6.9 700g:14.9|
镇江香醋|Zhenjiang black vinegar|恒顺 海天|500ml:7.9|
山西老陈醋|Shanxi aged vinegar|紫林|420ml:7.5 800ml:12.9|
料酒|Cooking wine|老恒和 海天 宝鼎|500ml:6.9 1.75L:15.9|
精制食盐|Table salt|中盐|400g:2.5|加碘=iodised,低钠=low-sodium,未加碘=non-iodised
白砂糖|White sugar|舒可曼 冠生园|400g:5.9 1kg:12.9|
黄冰糖|Yellow rock sugar|舒可曼|454g:9.9|
鸡精|Chicken bouillon|太太乐 家乐|200g:10.9 454g:19.9|
味精|MSG|莲花 太太乐|400g:9.9|
郫县豆瓣酱|Pixian chili bean paste|丹丹 海天|500g:9.9 1kg:16.9|
风味豆豉油辣椒|Chili crisp with black beans|老干妈|280g:11.5|
黄豆酱|Soybean paste|海天 欣和 六必居|300g:5.9 800g:12.9|
火锅底料|Hotpot base|海底捞 桥头 小肥羊|150g:11.9 220g:16.9|牛油麻辣=beef-tallow spicy,番茄=tomato,清汤=clear broth
番茄酱|Tomato ketchup|亨氏 味好美|320g:8.9|
沙拉酱|Salad dressing|丘比|200g:10.9|香甜=sweet,千岛=thousand island
十三香|Thirteen-spice powder|王守义|45g:4.5|
百梦多咖喱块|Vermont curry roux|好侍|100g:12.9|微辣=mild,中辣=medium
芝麻酱|Sesame paste|六必居|250g:12.9|
腐乳|Fermented tofu|王致和 咸亨|340g:9.9|红腐乳=red,白腐乳=white,醉方=wine-cured
涪陵榨菜|Fuling pickled mustard|乌江|80g×10:15.9|鲜脆=crisp,微辣=mild spicy
蜂蜜|Honey|冠生园|500g:25.9|洋槐=acacia,枣花=jujube blossom
李锦记酱料|Lee Kum Kee sauces|李锦记|240g:12.9|排骨酱=spare-rib sauce,叉烧酱=char siu sauce,黑椒汁=black pepper sauce
白米醋|White rice vinegar|海天 恒顺|450ml:4.9|
有机酱油|Organic soy sauce|千禾 欣和|500ml:19.9 1L:36.9|
调味粉|Ground spices|味好美 王守义|30g:6.9|黑胡椒粉=black pepper,白胡椒粉=white pepper,孜然粉=cumin,五香粉=five-spice,辣椒粉=chili
花椒油|Sichuan pepper oil|幺麻子|250ml:15.9|
玉米淀粉|Corn starch|家乐 舒可曼|250g:4.9|
复合调味料|Seasoning mix|好人家 海底捞|150g:9.9|酸菜鱼=pickled-cabbage fish,麻婆豆腐=mapo tofu,小龙虾=crayfish,番茄牛腩=tomato beef brisket
蒸鱼豉油|Seasoned soy sauce for fish|李锦记 海天|410ml:12.9|
鲜鸡汁|Chicken essence|太太乐 家乐|238g:14.9|
红糖|Brown sugar|舒可曼 古松|400g:8.9|
剁辣椒|Chopped chili|坛坛乡|210g:8.9 500g:15.9|
香辛料|Whole spices|王守义 味好美|50g:6.5|花椒=Sichuan pepper,八角=star anise,桂皮=cassia bark
"""

SNACKS = """
每日坚果|Daily nuts|三只松鼠 良品铺子 百草味 洽洽|25g×7:39.9 25g×30:129.0|
夏威夷果|Macadamia nuts|三只松鼠 良品铺子 百草味|265g:29.9|
碧根果|Pecans|三只松鼠 百草味|210g:26.9|
香瓜子|Sunflower seeds|洽洽|308g:9.9|原味=original,焦糖=caramel,山核桃=hickory
薯片|Potato chips|乐事 可比克 品客 上好佳|70g:7.9 135g:12.9|原味=original,黄瓜味=cucumber,番茄味=tomato,烧烤味=barbecue
夹心饼干|Sandwich cookies|奥利奥|97g:6.9 388g:19.9|原味=original,草莓味=strawberry,巧克力味=chocolate
软曲奇|Soft cookies|趣多多|85g:7.5|
派|Pies|好丽友|6枚:13.9 12枚:24.9|巧克力=chocolate,蛋黄=egg yolk
仙贝雪饼|Rice crackers|旺旺|84g:6.9 520g:29.9|
丝滑牛奶巧克力|Silky milk chocolate|德芙|43g:7.9 252g:39.9|牛奶=milk,黑巧克力=dark
花生夹心巧克力|Peanut chocolate bar|士力架|51g:5.5 20g×10:25.9|
奶糖|Milk candy|大白兔|227g:16.9|原味=original,红豆=red bean
榛果威化巧克力|Hazelnut chocolate|费列罗|3粒:12.9 16粒:59.9|
硬糖|Hard candy|阿尔卑斯|150g:9.9|
果冻|Fruit jelly|喜之郎|360g:13.9|
辣条|Spicy gluten strips|卫龙|106g:5.9 260g:11.9|大面筋=big,小面筋=small
饮用天然水|Natural drinking water|农夫山泉 怡宝 百岁山 景田 康师傅 娃哈哈|550ml:2.0 550ml×24:36.0 1.5L:4.0 4L:9.0|
可乐|Cola|可口可乐 百事|330ml:3.5 330ml×6:19.0 2L:8.9|原味=original,零度=zero sugar
雪碧|Sprite|雪碧|330ml:3.5 2L:8.9|
冰红茶|Iced black tea|康师傅 统一|500ml:3.5 1L:5.0 500ml×15:49.9|
绿茶|Green tea|康师傅 统一|500ml:3.5 500ml×15:49.9|
东方树叶|Oriental Leaves tea|农夫山泉|500ml:5.5|乌龙茶=oolong,茉莉花茶=jasmine,红茶=black tea
无糖乌龙茶|Sugar-free oolong tea|三得利|500ml:5.5|
果汁饮料|Fruit juice drink|汇源 美汁源 农夫山泉 康师傅|1L:9.9 420ml:4.5|橙汁=orange,桃汁=peach,苹果汁=apple
牛磺酸维生素饮料|Taurine vitamin drink|红牛 东鹏|250ml:6.0 250ml×24:129.0|
苏打气泡水|Sparkling water|元气森林|480ml:5.5 480ml×15:69.9|白桃=white peach,青瓜=cucumber,卡曼橘=calamansi
即饮咖啡|Ready-to-drink coffee|雀巢 星巴克|268ml:7.9 180ml×4:26.9|拿铁=latte,美式=americano
特仑苏纯牛奶|Deluxe whole milk|蒙牛|250ml×12:65.0 250ml×16:79.9|
金典纯牛奶|Satine whole milk|伊利|250ml×12:59.9|
纯牛奶|UHT whole milk|光明 伊利 蒙牛|250ml×24:64.9 1L:13.9|
安慕希希腊风味酸奶|Ambrosial Greek-style yogurt|伊利|205g×12:69.9|原味=original,香草=vanilla
纯甄风味酸奶|Chunzhen yogurt|蒙牛|200g×12:59.9|原味=original,草莓果粒=strawberry
旺仔牛奶|Wangzai milk|旺旺|145ml×4:14.9|
维他奶豆奶|Vitasoy soy milk|维他奶|250ml×6:16.9|原味=original,黑豆=black bean
椰汁|Coconut milk drink|椰树|245ml×6:21.9 1L:15.9|
凉茶|Herbal tea|王老吉 加多宝|310ml:3.5 310ml×12:39.9|
营养快线|Nutri-Express|娃哈哈|500ml:5.0|原味=original,菠萝味=pineapple
运动饮料|Sports drink|脉动|600ml:5.0|青柠=lime,桃子=peach
风干牛肉干|Air-dried beef jerky|科尔沁 良品铺子|100g:29.9 400g:99.0|原味=original,麻辣=spicy,五香=five-spice
猪肉脯|Pork jerky|良品铺子 三只松鼠 百草味|100g:19.9 200g:35.9|原味=original,蜜汁=honey,黑椒=black pepper
芒果干|Dried mango|良品铺子 三只松鼠 百草味|108g:12.9 400g:39.9|
山楂条|Hawthorn strips|百草味 良品铺子|258g:14.9|
海苔|Seaweed snacks|美好时光 三只松鼠|36g:12.9 100g:29.9|原味=original,芝麻夹心=sesame sandwich
蛋黄酥|Egg-yolk pastry|良品铺子 三只松鼠|330g:29.9|
威化饼干|Wafers|康师傅 好丽友|200g:9.9|牛奶=milk,巧克力=chocolate,柠檬=lemon
苏打饼干|Soda crackers|康师傅 旺旺 好丽友|400g:12.9|原味=original,香葱=scallion,芝麻=sesame
速溶咖啡|Instant coffee|雀巢|1+2×13条=3-in-1 x 13 sticks:29.9 1+2×30条=3-in-1 x 30 sticks:59.9|原味=original,特浓=extra strong
茶包|Tea bags|立顿|100包:39.9 25包:14.9|红茶=black tea,绿茶=green tea,茉莉花茶=jasmine tea
泡椒凤爪|Pickled-pepper chicken feet|有友|100g:9.9 280g:24.9|
劲仔小鱼|Spicy small fish|劲仔|12g×20:19.9|香辣=spicy,糖醋=sweet and sour
鲜虾片|Prawn crackers|上好佳|40g:3.5 80g:6.5|
木糖醇口香糖|Xylitol chewing gum|益达 绿箭|40粒:12.9|薄荷=mint,西瓜=watermelon
棒棒糖|Lollipops|不二家|20支:19.9|
茶饮料|Tea drink|农夫山泉 统一|500ml:5.5 500ml×15:69.9|茶π柠檬红茶=lemon black tea,小茗同学冷泡绿茶=cold-brew green tea
燕麦奶|Oat milk|OATLY|250ml:6.9 1L:19.9|咖啡大师=barista,原味=original
柠檬茶|Lemon tea|维他奶|250ml×6:19.9 500ml:5.5|
电解质水|Electrolyte water|元气森林|500ml:5.5 500ml×15:75.0|白桃=white peach,青柠=lime
"""

ALCOHOL = """
经典啤酒|Classic lager|青岛啤酒 雪花 哈尔滨 燕京|330ml:3.5 500ml:5.5 330ml×6:19.9 500ml×12:49.9|
纯生啤酒|Draft beer|青岛啤酒 雪花 燕京|500ml:6.5 500ml×12:69.9|
进口啤酒|Imported beer|百威 喜力 科罗娜 乐堡|330ml:6.9 330ml×6:39.9 500ml×12:89.9|
飞天53度酱香型白酒|Feitian 53% baijiu|茅台|500ml:1499.0|
52度浓香型白酒|52% strong-aroma baijiu|五粮液 泸州老窖|500ml:1099.0|
海之蓝42度|Ocean Blue 42% baijiu|洋河|480ml:149.0|
二锅头|Erguotou baijiu|牛栏山 红星|500ml:19.9 100ml:6.9|56度=56%,43度=43%
青花汾酒|Qinghua Fenjiu|汾酒|500ml:399.0|
绍兴黄酒|Shaoxing rice wine|古越龙山 会稽山|500ml:12.9 2.5L:49.9|三年陈=3-year,五年陈=5-year
上海黄酒|Shanghai rice wine|石库门 和酒|500ml:19.9|红标=red label,黑标=black label
干红葡萄酒|Dry red wine|张裕 长城 奔富|750ml:89.0|赤霞珠=Cabernet Sauvignon,西拉=Shiraz
预调鸡尾酒|Pre-mixed cocktail|锐澳|330ml:9.9 275ml×6:59.9|白桃=white peach,青柠=lime,蓝莓=blueberry
梅子酒|Plum wine|梅见|330ml:49.9 750ml:89.0|青梅=green plum,白梅=white plum
苏格兰威士忌|Scotch whisky|尊尼获加|700ml:169.0|红牌=Red Label,黑牌=Black Label
伏特加|Vodka|绝对|700ml:109.0|原味=original,柠檬味=citron
精酿啤酒|Craft beer|鹅岛 拳击猫|355ml:12.9 355ml×6:69.9|IPA=IPA,小麦=wheat
"""

CLEANING = """
深层洁净洗衣液|Deep-clean laundry detergent|蓝月亮 立白 奥妙 超能 碧浪|1kg:19.9 3kg:49.9 补充装2kg=refill 2kg:35.9|薰衣草=lavender,自然清香=natural scent
洗衣粉|Washing powder|雕牌 立白 汰渍|1.6kg:19.9 4kg:39.9|
洗衣凝珠|Laundry pods|碧浪 蓝月亮|32颗:49.9|
洗洁精|Dish soap|立白 白猫 雕牌|1.29kg:11.9 2kg:16.9|柠檬=lemon,绿茶=green tea
消毒液|Disinfectant|威露士 滴露|1L:35.9 2.5L:69.9|
洗手液|Hand wash|蓝月亮 滴露 威露士|500g:19.9 补充装300g=refill 300g:9.9|芦荟=aloe,青柠=lime
马桶清洁剂|Toilet cleaner|威猛先生|600g:12.9|
厨房重油污清洁剂|Kitchen degreaser|威猛先生|500g:19.9|
衣物柔顺剂|Fabric softener|金纺|1L:25.9 2.5L:49.9|清新=fresh,花香=floral
抽纸|Facial tissues|维达 清风 心相印 洁柔|3层100抽×6包:19.9 3层120抽×18包:59.9|
卷纸|Toilet rolls|维达 清风 心相印 洁柔|4层140g×10卷:29.9 4层140g×27卷:69.9|
湿巾|Wet wipes|心相印 维达|80片×3包:19.9|
垃圾袋|Rubbish bags|美丽雅 妙洁|45×50cm×100只:12.9|
保鲜膜|Cling film|妙洁 美丽雅|30cm×50m:14.9|
保鲜袋|Food bags|妙洁 美丽雅|中号100只=medium x 100:9.9|
电热蚊香液|Mosquito repellent liquid|雷达 六神|3液+1器=3 refills and heater:29.9|
厨房纸巾|Kitchen towels|维达 清风|2卷:9.9 6卷:24.9|
拖把|Mop|妙洁 美丽雅|旋转=spin:89.0 平板=flat:59.0|
百洁布|Scouring pads|妙洁|10片:9.9|
空气清新剂|Air freshener|威露士 蓝月亮|320ml:19.9|柠檬=lemon,薰衣草=lavender,茉莉=jasmine
除湿盒|Moisture absorber|妙洁|450ml×3:29.9|
84消毒液|Bleach disinfectant|威露士 蓝月亮|1.2kg:12.9|
碱性电池|Alkaline batteries|南孚 双鹿|5号4粒=AA x 4:14.9 7号4粒=AAA x 4:14.9 5号12粒=AA x 12:39.9|
一次性纸杯|Paper cups|妙洁 美丽雅|250ml×50只:12.9|
"""

CARE = """
牙膏|Toothpaste|高露洁 佳洁士 云南白药 黑人|120g:12.9 180g:19.9|美白=whitening,清新=fresh breath,防蛀=cavity protection
抗敏感牙膏|Sensitivity toothpaste|舒适达|120g:39.9|
牙刷|Toothbrush|高露洁 佳洁士 欧乐B|2支:15.9 4支:25.9|软毛=soft,超细毛=ultra-fine
电动牙刷刷头|Electric toothbrush heads|欧乐B|2支:69.0|
洗发水|Shampoo|海飞丝 飘柔 潘婷 清扬 沙宣 阿道夫|400ml:39.9 750ml:59.9|去屑=anti-dandruff,柔顺=smooth,控油=oil control
护发素|Conditioner|潘婷 飘柔 沙宣|400ml:39.9|
沐浴露|Body wash|舒肤佳 力士 六神 多芬|720ml:32.9 1L:42.9|清香=fresh,薰衣草=lavender
香皂|Bar soap|舒肤佳 力士|115g×3:15.9|纯白=pure white,柠檬=lemon
花露水|Floral water|六神|195ml:12.9|
洗面奶|Facial cleanser|曼秀雷敦 妮维雅 旁氏|100g:39.9|
护手霜|Hand cream|百雀羚 妮维雅|80g:19.9|
卫生巾|Sanitary pads|苏菲 护舒宝 七度空间 高洁丝|日用10片=day x 10:15.9 夜用8片=night x 8:19.9|
纸尿裤|Nappies|帮宝适 好奇 花王|M码50片=size M x 50:119.0 L码42片=size L x 42:119.0 XL码36片=size XL x 36:119.0|
剃须刀片|Razor blades|吉列|4刀头=4 cartridges:89.0|
漱口水|Mouthwash|李施德林|500ml:39.9|
润肤乳|Body lotion|凡士林 妮维雅 多芬|200ml:39.9 400ml:59.9|滋润=moisturising,修护=repairing
面霜|Face cream|大宝 百雀羚 妮维雅|50g:29.9|补水=hydrating,保湿=moisturising
防晒霜|Sunscreen|曼秀雷敦 妮维雅|50ml:69.0|
止汗露|Antiperspirant|多芬 妮维雅 舒耐|50ml:39.9|清爽=fresh,无香=unscented
湿厕纸|Moist toilet tissue|维达 心相印|40片:12.9 40片×3包:32.9|
棉柔巾|Cotton pads|全棉时代|100片×6包:59.9|
纯棉毛巾|Cotton towels|洁丽雅 金号|面巾34×76cm=face towel 34x76cm:19.9 浴巾70×140cm=bath towel 70x140cm:59.9|白=white,灰=grey,浅蓝=light blue
"""

KITCHEN = """
不粘炒锅|Non-stick wok|苏泊尔 爱仕达|30cm:199.0 32cm:229.0|
不锈钢汤锅|Stainless-steel stockpot|苏泊尔 爱仕达|22cm:159.0 24cm:189.0|
菜刀|Chef's knife|张小泉 十八子作|切片刀=slicing knife:89.0 斩骨刀=cleaver:109.0|
竹砧板|Bamboo chopping board|张小泉|中号=medium:59.0 大号=large:89.0|
玻璃保鲜盒|Glass food container|乐扣乐扣 特百惠|3件套:79.0 5件套:129.0|
合金筷子|Alloy chopsticks|双枪|10双:29.9|
保温杯|Vacuum flask|膳魔师 象印 苏泊尔 富光|350ml:129.0 500ml:169.0|
电饭煲|Rice cooker|美的 苏泊尔 九阳|3L:199.0 4L:299.0|
豆浆机|Soy-milk maker|九阳 美的|1.2L:299.0|
电热水壶|Electric kettle|美的 苏泊尔 九阳|1.7L:99.0|
平底煎锅|Frying pan|苏泊尔 爱仕达|26cm:129.0 28cm:149.0|
多层蒸锅|Steamer pot|苏泊尔 爱仕达|28cm:199.0|
锅铲汤勺套装|Spatula and ladle set|苏泊尔|4件套:49.9|
陶瓷碗|Ceramic bowls|双枪 苏泊尔|4.5英寸×4=4.5 inch x 4:29.9 6英寸×4=6 inch x 4:39.9|
耐热玻璃杯|Heat-resistant glass cups|乐扣乐扣 富光|400ml×2:39.9|
空气炸锅|Air fryer|美的 九阳 苏泊尔|4L:299.0 5.5L:399.0|
"""

# --- apparel: one product in several colours and sizes --------------------------------------------------
# name | English | yuan | brands | colours

COLOURS = {"黑": ("Black", "BK"), "白": ("White", "WH"), "藏青": ("Navy", "NV"), "灰": ("Grey", "GY"),
           "米白": ("Off-white", "OW"), "卡其": ("Khaki", "KH"), "酒红": ("Burgundy", "WR"),
           "浅蓝": ("Light blue", "LB"), "军绿": ("Olive", "OG"), "粉": ("Pink", "PK"), "燕麦": ("Oat", "OT"),
           "雾蓝": ("Mist blue", "MB"), "牛仔蓝": ("Denim blue", "DB"), "黄": ("Yellow", "YL"),
           "红": ("Red", "RD")}
SIZES = {"APPAREL-MEN": ("S", "M", "L", "XL", "XXL"), "APPAREL-WOMEN": ("XS", "S", "M", "L", "XL"),
         "APPAREL-KIDS": ("100", "110", "120", "130", "140", "150")}

MEN = """
男士纯棉圆领T恤|Men's cotton crew-neck T-shirt|59|海澜之家 森马 真维斯 鲜丰汇·衣|黑 白 藏青 灰 军绿
男士POLO衫|Men's polo shirt|129|海澜之家 雅戈尔 李宁|黑 白 藏青 浅蓝
男士免烫商务衬衫|Men's non-iron dress shirt|199|雅戈尔 海澜之家|白 浅蓝 雾蓝
男士直筒牛仔裤|Men's straight-leg jeans|199|真维斯 森马 以纯|牛仔蓝 黑 浅蓝
男士休闲长裤|Men's chinos|169|海澜之家 太平鸟 鲜丰汇·衣|卡其 黑 藏青
男士连帽卫衣|Men's hoodie|159|李宁 安踏 森马|黑 灰 藏青 燕麦
男士休闲夹克|Men's casual jacket|299|太平鸟 海澜之家|黑 卡其 军绿
男士轻薄羽绒服|Men's lightweight down jacket|499|波司登 海澜之家|黑 藏青 灰
男士运动短裤|Men's sports shorts|89|李宁 安踏|黑 灰 藏青
男士羊毛针织衫|Men's wool sweater|299|恒源祥 红豆|藏青 灰 酒红
"""

WOMEN = """
女士纯棉T恤|Women's cotton T-shirt|59|森马 以纯 鲜丰汇·衣|白 黑 粉 雾蓝 燕麦
女士真丝衬衫|Women's silk blouse|399|江南布衣 太平鸟|米白 黑 雾蓝
女士碎花连衣裙|Women's floral dress|259|太平鸟 以纯 鲜丰汇·衣|雾蓝 粉 米白
女士高腰阔腿裤|Women's high-waist wide-leg trousers|199|江南布衣 森马|黑 卡其 米白
女士针织开衫|Women's knit cardigan|199|恒源祥 太平鸟 以纯|燕麦 米白 酒红 黑
女士风衣|Women's trench coat|499|太平鸟 江南布衣|卡其 黑
女士修身牛仔裤|Women's skinny jeans|179|真维斯 森马 以纯|牛仔蓝 黑
女士百褶半身裙|Women's pleated skirt|159|以纯 鲜丰汇·衣|黑 卡其 藏青
女士轻薄羽绒服|Women's lightweight down jacket|499|波司登 鲜丰汇·衣|黑 米白 雾蓝 粉
女士运动卫衣|Women's sports sweatshirt|169|李宁 安踏|灰 粉 白
"""

KIDS = """
儿童纯棉T恤|Kids' cotton T-shirt|49|巴拉巴拉 安奈儿 鲜丰汇·衣|白 黄 浅蓝 粉
儿童运动套装|Kids' tracksuit|159|巴拉巴拉 李宁 安踏|藏青 红 灰
儿童连帽羽绒服|Kids' hooded down jacket|299|波司登 巴拉巴拉|红 藏青 粉 黄
儿童牛仔裤|Kids' jeans|99|巴拉巴拉 森马|牛仔蓝 浅蓝
女童连衣裙|Girls' dress|129|安奈儿 巴拉巴拉|粉 黄 白
儿童纯棉睡衣套装|Kids' cotton pyjamas|89|安奈儿 鲜丰汇·衣|浅蓝 粉 黄
儿童卫衣|Kids' sweatshirt|99|巴拉巴拉 森马 安踏|灰 红 藏青
"""

# category, table, shelf-life days (None: not tracked; 0: per kind, see CHILLED_SHELF_LIFE)
PACKAGED = (("DAIRY-MILK", DAIRY_MILK, 7), ("DAIRY-YOGURT", DAIRY_YOGURT, 21),
            ("DAIRY-CHILLED", DAIRY_CHILLED, 0),
            ("GROCERY-STAPLES", STAPLES, None), ("GROCERY-CONDIMENTS", CONDIMENTS, None),
            ("GROCERY-SNACKS", SNACKS, None), ("GROCERY-ALCOHOL", ALCOHOL, None),
            ("HOUSEHOLD-CLEANING", CLEANING, None), ("HOUSEHOLD-CARE", CARE, None),
            ("HOUSEHOLD-KITCHEN", KITCHEN, None))
# Shelf lives inside DAIRY-CHILLED differ by kind (the 0 above): eggs keep three weeks, tofu a week.
CHILLED_SHELF_LIFE = {"鲜鸡蛋": 21, "可生食鸡蛋": 21, "NFC鲜榨果汁": 21, "鲜豆浆": 7}
CHILLED_DEFAULT_DAYS = 7

SPEC_WORDS = {"×": " x ", "枚": " eggs", "杯": " cups", "盒": " boxes", "袋": " bags", "瓶": " bottles",
              "听": " cans", "包": " packs", "片": " pcs", "卷": " rolls", "支": " pcs", "只": " pcs",
              "双": " pairs", "粒": " pcs", "颗": " pods", "件套": "-piece set", "层": "-ply ", "抽": " sheets"}


# --- the generated rows ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class DemoProduct:
    """A product and its SKUs, ready for `catalog.service`, with its top-level department."""

    product: ProductCreate
    skus: tuple[SkuCreate, ...]

    @property
    def department(self) -> str:
        return self.product.category_code.split("-")[0]


@dataclass(frozen=True)
class Catalogue:
    categories: tuple[CategoryCreate, ...]
    products: tuple[DemoProduct, ...]

    @property
    def skus(self) -> list[SkuCreate]:
        return [s for p in self.products for s in p.skus]


@dataclass
class _Maker:
    """Hands out product codes, SKU codes and barcodes (one GS1 company prefix per brand)."""

    rng: random.Random
    products: list[DemoProduct] = field(default_factory=list)
    companies: dict[str, str] = field(default_factory=dict)
    items: dict[str, int] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)

    def product_code(self, category_code: str) -> str:
        prefix = SKU_PREFIX[category_code.split("-")[0]]
        self.counters[prefix] = self.counters.get(prefix, 0) + 1
        return f"{prefix}-{self.counters[prefix]:04d}"

    def barcode(self, brand: str) -> str:
        """A unique EAN-13 in China's 690–699 range: company prefix (7 digits), item (5), check digit."""
        brand = brand or OWN_BRAND
        if brand not in self.companies:
            taken = set(self.companies.values())
            while (prefix := f"69{self.rng.randrange(10)}{self.rng.randrange(1000, 10000)}") in taken:
                pass
            self.companies[brand], self.items[brand] = prefix, self.rng.randrange(100, 5000)
        self.items[brand] += 1
        first12 = f"{self.companies[brand]}{self.items[brand]:05d}"
        return first12 + str(ean13_check_digit(first12))

    def add(self, category_code: str, name_zh: str, name_en: str, brand: str, skus: Sequence[dict]) -> None:
        code = self.product_code(category_code)
        product = ProductCreate(code=code, name_zh=name_zh, name_en=name_en, brand=brand,
                                category_code=category_code)
        self.products.append(DemoProduct(product, tuple(
            SkuCreate(code=f"{code}-{sku.get('suffix', f'{i:02d}')}", product_code=code,
                      barcode=self.barcode(brand), **{k: v for k, v in sku.items() if k != "suffix"})
            for i, sku in enumerate(skus, start=1))))


def _rows(table: str) -> list[list[str]]:
    return [line.split("|") for line in table.strip().splitlines()]


def _fen(yuan: str) -> int:
    return int(Decimal(yuan) * 100)


def _retail(fen: int) -> int:
    """A shelf price: whole ten fen under 10 yuan, x.90 under 200 yuan, then whole yuan ending in 9."""
    if fen < 1_000:
        return max(50, (fen + 5) // 10 * 10)
    if fen < 20_000:
        return (fen + 50) // 100 * 100 - 10
    return (fen + 500) // 1_000 * 1_000 - 100


def _specs(text: str) -> list[tuple[str, str, str]]:
    """(Chinese spec, English spec, yuan) from "500g×2袋:9.9 1+2×13条=3-in-1 x 13 sticks:29.9"."""
    out = []
    for spec, yuan in re.findall(r"(.+?):(\d+(?:\.\d+)?)(?:\s+|$)", text):
        spec_zh, _, spec_en = spec.partition("=")
        out.append((spec_zh, spec_en or _spec_en(spec_zh), yuan))
    return out


def _spec_en(spec: str) -> str:
    out = spec
    for zh, en in sorted(SPEC_WORDS.items(), key=lambda kv: -len(kv[0])):
        out = out.replace(zh, en)
    return " ".join(out.split())


# --- fresh ----------------------------------------------------------------------------------------------

def _fresh_sku(name_zh: str, name_en: str, spec: str, unit: str, price: int, days: int, cold: bool) -> dict:
    return {"name_zh": f"{name_zh} {spec}", "name_en": name_en, "spec": spec, "unit": unit,
            "list_price_fen": _retail(price), "shelf_life_days": days, "cold_chain": cold}


def _produce(maker: _Maker, category_code: str, table: str, premium: str) -> None:
    """Fruit and vegetables: loose by weight, some in a premium grade, some also in packs sold by the piece."""
    rng = maker.rng
    for name_zh, name_en, yuan, days, flags in _rows(table):
        per_kg, shelf, cold = _fen(yuan), int(days), "c" in flags
        skus = [_fresh_sku(name_zh, f"{name_en}, loose", "散称", "gram", per_kg, shelf, cold)]
        if rng.random() < 0.4:
            skus.append(_fresh_sku(f"{premium}{name_zh}", f"Premium {name_en}, loose", "散称", "gram",
                                   per_kg * rng.randint(130, 160) // 100, shelf, cold))
        if "k" in flags:
            skus.append(_fresh_sku(name_zh, f"Fresh-cut {name_en} 300g box", "鲜切300g/盒", "piece",
                                   per_kg * 3 // 10 * 14 // 10, 1, True))
        elif rng.random() < 0.35:
            pack = "500g/盒" if category_code == "FRESH-FRUIT" else "净菜300g/袋"
            grams = 500 if category_code == "FRESH-FRUIT" else 300
            skus.append(_fresh_sku(name_zh, f"{name_en} {grams}g pack", pack, "piece",
                                   per_kg * grams // 1000 * 115 // 100, min(shelf, 5), cold))
        maker.add(category_code, name_zh, name_en, "", skus)


def _meat_brands(rng: random.Random, flags: str) -> list[str]:
    """Two brands of the meat's group ("c pork" → pork brands); unbranded cuts have none."""
    group = flags.split()[1] if len(flags.split()) > 1 else None
    return rng.sample(MEAT_BRANDS[group].split(), 2) if group else []


def _weighed(maker: _Maker, category_code: str, table: str) -> None:
    """Meat, seafood and deli: sold by weight; branded meat comes from two of its group's brands too."""
    for name_zh, name_en, yuan, days, flags in _rows(table):
        per_kg, shelf, cold = _fen(yuan), int(days), "c" in flags
        for brand in ["", *_meat_brands(maker.rng, flags)]:
            price = per_kg if not brand else per_kg * maker.rng.randint(110, 140) // 100
            zh = f"{brand} {name_zh}" if brand else name_zh
            en = f"{BRANDS[brand]} {name_en.lower()}" if brand else name_en
            maker.add(category_code, zh, en, brand, [_fresh_sku(zh, f"{en}, by weight", "散称", "gram", price,
                                                                 shelf, cold)])
        if category_code == "FRESH-SEAFOOD" and maker.rng.random() < 0.4:
            maker.add(category_code, f"{name_zh} 处理好", f"{name_en}, cleaned", "", [_fresh_sku(
                f"{name_zh} 处理好", f"{name_en}, cleaned and ready to cook", "去鳞去脏 散称", "gram",
                per_kg * 125 // 100, 1, True)])


# --- packaged goods and apparel -------------------------------------------------------------------------

def _variants(rng: random.Random, text: str) -> list[tuple[str, str]]:
    if not text:
        return [("", "")]
    pairs = [tuple(v.split("=")) for v in text.split(",")]
    return rng.sample(pairs, rng.randint(max(1, len(pairs) * 2 // 3), len(pairs)))


def _shelf_life(category_code: str, kind: str, default: int | None) -> int | None:
    if default == 0:
        return CHILLED_SHELF_LIFE.get(kind, CHILLED_DEFAULT_DAYS)
    return default


def _packaged(maker: _Maker, category_code: str, table: str, shelf_default: int | None) -> None:
    """Each brand of a kind is a product per flavour; its pack sizes are the SKUs."""
    for kind_zh, kind_en, brands, specs, variants in _rows(table):
        shelf = _shelf_life(category_code, kind_zh, shelf_default)
        for brand in brands.split():
            factor = 100 if len(brands.split()) == 1 else maker.rng.randint(88, 125)
            for v_zh, v_en in _variants(maker.rng, variants):
                name_zh = " ".join(p for p in (brand, kind_zh, v_zh) if p)
                name_en = f"{BRANDS[brand]} {kind_en}" + (f", {v_en}" if v_en else "")
                maker.add(category_code, name_zh, name_en, brand, [
                    {"name_zh": f"{name_zh} {spec}", "name_en": f"{name_en} {spec_en}", "spec": spec,
                     "unit": "piece", "list_price_fen": _retail(_fen(yuan) * factor // 100),
                     "shelf_life_days": shelf, "cold_chain": shelf is not None}
                    for spec, spec_en, yuan in _specs(specs)])


def _apparel(maker: _Maker, category_code: str, table: str) -> None:
    """Each brand's garment is a product; every colour in every size is a SKU."""
    rng = maker.rng
    for kind_zh, kind_en, yuan, brands, colours in _rows(table):
        for brand in rng.sample(brands.split(), min(2, len(brands.split()))):
            price = _retail(_fen(yuan) * rng.randint(90, 140) // 100)
            picked = rng.sample(colours.split(), rng.randint(2, min(3, len(colours.split()))))
            name_zh, name_en = f"{brand} {kind_zh}", f"{BRANDS[brand]} {kind_en}"
            maker.add(category_code, name_zh, name_en, brand, [
                {"suffix": f"{COLOURS[c][1]}-{size}", "name_zh": f"{name_zh} {c} {size}",
                 "name_en": f"{name_en} {COLOURS[c][0]} {size}", "spec": f"{c}/{size}", "unit": "piece",
                 "list_price_fen": price} for c in picked for size in SIZES[category_code]])


def generate(seed: int = SEED) -> Catalogue:
    """The whole demo catalogue; the same seed always gives the same rows."""
    maker = _Maker(random.Random(seed))
    _produce(maker, "FRESH-FRUIT", FRUIT, "精品")
    _produce(maker, "FRESH-VEG", VEGETABLES, "有机")
    for code, table in (("FRESH-MEAT", MEAT), ("FRESH-SEAFOOD", SEAFOOD), ("FRESH-DELI", DELI)):
        _weighed(maker, code, table)
    for code, table, shelf in PACKAGED:
        _packaged(maker, code, table, shelf)
    for code, table in (("APPAREL-MEN", MEN), ("APPAREL-WOMEN", WOMEN), ("APPAREL-KIDS", KIDS)):
        _apparel(maker, code, table)
    categories = tuple(CategoryCreate(code=code, name_zh=zh, name_en=en, parent_code=parent)
                       for code, zh, en, parent in CATEGORIES)
    return Catalogue(categories, tuple(maker.products))


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    return generate(SEED)


# --- opening stock ----------------------------------------------------------------------------------------

# Share (%) of a department's products each kind of location carries; unlisted departments are not carried.
# The warehouse is ambient and chilled: it keeps no loose fresh food.
RANGES = {
    "supermarket": {"FRESH": 55, "DAIRY": 50, "GROCERY": 28, "HOUSEHOLD": 20},
    "fresh": {"FRESH": 65, "DAIRY": 45, "GROCERY": 12, "HOUSEHOLD": 6},
    "apparel": {"APPAREL": 60},
    "warehouse": {"DAIRY": 50, "GROCERY": 35, "HOUSEHOLD": 35, "APPAREL": 45},
}
# A store does not stock every pack size of a packaged product it carries; apparel comes in full size runs.
SKU_SHARE = 85
KG_ON_HAND = {"FRESH-FRUIT": (3, 40), "FRESH-VEG": (3, 40), "FRESH-MEAT": (3, 25), "FRESH-SEAFOOD": (2, 15),
              "FRESH-DELI": (2, 8)}

# store, category (None: the whole store), online percent, walk-in buffer in base units (grams here)
ALLOCATIONS: tuple[tuple[str, str | None, int, int], ...] = (
    ("SH001", None, 80, 0), ("SH001", "FRESH-MEAT", 70, 2_000), ("SH001", "FRESH-SEAFOOD", 60, 3_000),
    ("SH003", None, 80, 0), ("SH003", "FRESH-SEAFOOD", 60, 3_000),
    ("SH006", None, 85, 0), ("SH006", "FRESH-MEAT", 70, 2_000),
    ("SH010", None, 80, 0), ("SH010", "FRESH-MEAT", 70, 2_000), ("SH010", "FRESH-SEAFOOD", 60, 3_000),
)


@dataclass(frozen=True)
class LocationStock:
    """One location's opening stock: receipt lines (fresh ones dated) and safety stock per SKU code."""

    code: str
    receipts: tuple[ReceiptLine, ...]
    safety_stock: tuple[tuple[str, int], ...]

    @property
    def rows(self) -> int:
        """Stock rows this creates: one per SKU received or given a safety stock (sold-out SKUs get only that)."""
        return len({line.sku_code for line in self.receipts} | {code for code, _ in self.safety_stock})


def stock_plan(locations: Sequence[tuple[str, str]], *, today: date, seed: int = SEED) -> list[LocationStock]:
    """Opening stock for (code, format) locations; only best-before dates depend on `today`."""
    rng = random.Random(seed + 1)
    return [_location_stock(rng, code, fmt, today) for code, fmt in locations]


def _location_stock(rng: random.Random, code: str, fmt: str, today: date) -> LocationStock:
    receipts: list[ReceiptLine] = []
    safety: list[tuple[str, int]] = []
    for product in catalogue().products:
        share = RANGES[fmt].get(product.department, 0)
        if rng.randrange(100) >= share:
            continue
        for sku in product.skus:
            if product.department != "APPAREL" and len(product.skus) > 1 and rng.randrange(100) >= SKU_SHARE:
                continue
            amount, floor = _amounts(rng, product, sku, warehouse=fmt == "warehouse")
            receipts += _receipt_lines(rng, sku, amount, today)
            if floor:
                safety.append((sku.code, floor))
    return LocationStock(code, tuple(receipts), tuple(safety))


def _amounts(rng: random.Random, product: DemoProduct, sku: SkuCreate, *, warehouse: bool) -> tuple[int, int]:
    """(on hand, safety stock): mostly comfortable, some sold out, some below their safety stock."""
    roll = rng.randrange(100)
    if sku.unit == "gram":
        low, high = KG_ON_HAND[product.product.category_code]
        if roll < 5:
            return rng.randrange(300, 2_000, 10), rng.randrange(2_000, 5_001, 500)
        return rng.randrange(low * 1_000, high * 1_000 + 1, 10), (3_000 if roll < 15 else 0)
    if roll < 3 and not warehouse:
        return 0, rng.randint(4, 12)
    if roll < 10:
        floor = rng.randint(8, 20)
        return rng.randint(1, floor - 1), floor
    return _pieces(rng, product, warehouse), (rng.randint(3, 10) if roll < 18 else 0)


def _pieces(rng: random.Random, product: DemoProduct, warehouse: bool) -> int:
    if warehouse:
        return rng.randint(60, 1_200)
    if product.department == "APPAREL":
        return rng.randint(2, 24)
    if product.department in ("FRESH", "DAIRY"):
        return rng.randint(6, 60)
    return int(rng.triangular(6, 200, 30))


def _receipt_lines(rng: random.Random, sku: SkuCreate, amount: int, today: date) -> list[ReceiptLine]:
    """Fresh goods arrive as one or two dated batches, some of them due within two days."""
    if amount == 0:
        return []
    unit = "weight_g" if sku.unit == "gram" else "quantity"
    if not sku.shelf_life_days:
        return [ReceiptLine(sku_code=sku.code, **{unit: amount})]
    parts = [amount] if amount < 2 or rng.random() < 0.7 else _split(rng, amount, sku.unit)
    return [ReceiptLine(sku_code=sku.code, **{unit: part},
                        best_before=today + timedelta(days=rng.randint(0, sku.shelf_life_days)))
            for part in parts]


def _split(rng: random.Random, amount: int, unit: str) -> list[int]:
    first = max(1, amount * rng.randint(25, 60) // 100)
    if unit == "gram":
        first = max(10, first // 10 * 10)
    return [first, amount - first] if amount - first > 0 else [amount]
