"""The demo retailer's members: a few thousand Shanghai shoppers who joined at the till, in the WeChat
mini-program, in the app, through an online shop or their store guide — some of them more than once.

Pure data: no I/O. A seeded `random.Random` makes every run plan the same shoppers and joins. The plan is
a list of joins in time order, each with the outcome the identity rules should reach, and the builder
replays it through `members.service.join`:

- signup: a new member (till: POS card and phone; mini-program: unionid, openid and phone; app: app user,
  phone, sometimes e-mail; online shop: platform buyer id and an unverified phone; guide: unionid, phone);
- mini_program_login / till_card: a member seen again in another channel with the same verified phone, so
  the new identities join the same member;
- shared_phone: a relative joins in the mini-program typing a member's phone without the SMS code: a new
  member, and the pair listed as possible duplicates (a claim is never merged);
- double_signup: the same name and birthday signed up again at another till with another phone: listed;
- second_account + proof_merge: a shopper with an app or mini-program account and no phone later proves
  both accounts at once (SMS-verified phone in the app, or the mini-program member code at the till), so
  the two members are merged.
"""

from __future__ import annotations

import itertools
import random
import string
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from zhongtai.demo import times
from zhongtai.members.schemas import ConsentIn, IdentityIn, ProfileIn

SEED = 20240619
HOME_STORES = tuple(f"SH{i:03d}" for i in range(1, 12))  # the apparel store keeps no member base of its own
MINI_PROGRAM = "wx5f2e8c91d3a7b604"  # the 鲜丰汇 mini-program's WeChat appid
PLATFORMS = ("tmall", "jd")

SIGNUPS = 2_100
CHANNEL_MIX = (("pos", 45), ("mini_program", 30), ("app", 15), ("ecommerce", 7), ("guide", 3))
MINI_PROGRAM_LOGINS = 280  # till members who later log into the mini-program with the same phone
TILL_CARDS = 60  # app members who later take a card at the till
SHARED_PHONES = 220
DOUBLE_SIGNUPS = 12
PROOF_MERGES = 30
JOINED_DAYS = (30, 1_000)  # signups happened this many days before the demo's "now"

# Surnames in rough order of frequency; Shanghai's own (陆 沈 顾 钱 徐 朱) are boosted below.
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
            "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
LOCAL_SURNAMES = "陆沈顾钱徐朱"
_SURNAME_WEIGHTS = tuple(itertools.accumulate(1 / (rank + 4) for rank in range(len(SURNAMES))))
GIVEN = {"female": "秀英丽敏静燕艳娟霞芳玲婷雪琳颖倩慧佳欣怡悦晶萍红梅兰洁琴璐诗雨",
         "male": "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊峰毅晨昊翔",
         "unknown": "文建国志海晓子思一嘉家新"}
MOBILE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155",
                   "156", "157", "158", "159", "166", "176", "177", "178", "180", "181", "182", "183", "185",
                   "186", "187", "188", "189", "191", "198", "199")
MAIL_DOMAINS = ("qq.com", "163.com", "126.com", "sina.com", "outlook.com")
WECHAT_ALPHABET = string.ascii_letters + string.digits + "_-"


@dataclass(frozen=True)
class Person:
    """A shopper who signed up (orders pick their customers from these)."""

    key: str
    name: str
    gender: str
    birthday: date | None
    phone: str
    home_store: str


@dataclass(frozen=True)
class Join:
    """One call of `members.service.join`, and what the identity rules should make of it."""

    person: str  # the shopper's key; a second account is `<key>-2`, a relative `R<n>`
    story: str
    at: datetime
    channel: str
    identities: tuple[IdentityIn, ...]
    store: str | None = None
    profile: ProfileIn | None = None
    consents: tuple[ConsentIn, ...] = ()
    expect: str = "created"  # created | matched | merged
    listed: bool = False  # whether the join should list a possible duplicate


@dataclass(frozen=True)
class MemberPlan:
    people: tuple[Person, ...]
    joins: tuple[Join, ...]  # in time order

    def stories(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for j in self.joins:
            out[j.story] = out.get(j.story, 0) + 1
        return out


# --- names, phones and identity values ----------------------------------------------------------------

def surname(rng: random.Random) -> str:
    if rng.random() < 0.12:
        return rng.choice(LOCAL_SURNAMES)
    return rng.choices(SURNAMES, cum_weights=_SURNAME_WEIGHTS)[0]


def given_name(rng: random.Random, gender: str) -> str:
    chars = GIVEN[gender] + (GIVEN["unknown"] if gender != "unknown" else GIVEN["female"] + GIVEN["male"])
    return "".join(rng.choice(chars) for _ in range(1 if rng.random() < 0.35 else 2))


def chinese_name(rng: random.Random, gender: str, family: str | None = None) -> str:
    return (family or surname(rng)) + given_name(rng, gender)


class Identities:
    """Unique, well-formed identity values (phones, WeChat ids, cards, app and platform ids, e-mail)."""

    def __init__(self, rng: random.Random):
        self.rng, self.seen = rng, set()

    def _unique(self, make: Callable[[], str]) -> str:
        while (value := make()) in self.seen:
            pass
        self.seen.add(value)
        return value

    def phone(self) -> str:
        return self._unique(lambda: self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}")

    def wechat(self) -> str:
        return self._unique(lambda: "o" + "".join(self.rng.choices(WECHAT_ALPHABET, k=27)))

    def pos_card(self, store: str) -> str:
        return self._unique(lambda: f"88{store[2:]}{self.rng.randrange(10**8):08d}")

    def app_user(self) -> str:
        return self._unique(lambda: f"u{self.rng.randrange(10**8, 10**9)}")

    def buyer(self, platform: str) -> str:
        if platform == "tmall":
            return self._unique(lambda: f"tb{self.rng.randrange(10**9, 10**10)}")
        return self._unique(lambda: "jd_" + "".join(self.rng.choices("0123456789abcdef", k=10)))

    def email(self) -> str:
        domain = self.rng.choice(MAIL_DOMAINS)
        if domain == "qq.com":
            return self._unique(lambda: f"{self.rng.randrange(10**6, 10**10)}@qq.com")
        return self._unique(lambda: "".join(self.rng.choices(string.ascii_lowercase, k=self.rng.randint(4, 8)))
                            + f"{self.rng.randrange(100, 10_000)}@{domain}")


def _id(kind: str, value: str, *, verified: bool = False, app_id: str = "") -> IdentityIn:
    return IdentityIn(kind=kind, value=value, verified=verified, app_id=app_id)


def _mini_program(ids: Identities) -> list[IdentityIn]:
    return [_id("wechat_unionid", ids.wechat()), _id("wechat_openid", ids.wechat(), app_id=MINI_PROGRAM)]


# --- the plan -----------------------------------------------------------------------------------------

def plan(*, now: datetime, seed: int = SEED) -> MemberPlan:
    """Every join, in time order; `now` (UTC) is the moment the demo is built at (joins all precede it)."""
    rng = random.Random(seed)
    ids = Identities(rng)
    today = times.local_day(now)
    people = tuple(_person(rng, ids, n) for n in range(1, SIGNUPS + 1))
    signups = {p.key: _signup(rng, ids, p, today) for p in people}
    till = [p for p in people if signups[p.key].channel == "pos"]
    rng.shuffle(till)
    merging, doubles, logins = (till[:PROOF_MERGES], till[PROOF_MERGES:PROOF_MERGES + DOUBLE_SIGNUPS],
                                till[PROOF_MERGES + DOUBLE_SIGNUPS:][:MINI_PROGRAM_LOGINS])
    app = [p for p in people if signups[p.key].channel == "app"][:TILL_CARDS]
    joins = [*signups.values()]
    joins += [_mini_program_login(rng, ids, p, signups[p.key].at, today) for p in logins]
    joins += [_till_card(rng, ids, p, signups[p.key].at, today) for p in app]
    joins += [_double_signup(rng, ids, p, signups[p.key].at, today) for p in doubles if p.birthday]
    busy = {p.key for p in merging}
    for n, p in enumerate(rng.sample([p for p in people if p.key not in busy], SHARED_PHONES), start=1):
        joins.append(_shared_phone(rng, ids, p, f"R{n:04d}", signups[p.key].at, today))
    for p in merging:
        joins += _second_account_and_merge(rng, ids, p, signups[p.key], today)
    return MemberPlan(people, tuple(sorted(joins, key=lambda j: (j.at, j.person))))


def _person(rng: random.Random, ids: Identities, n: int) -> Person:
    gender = rng.choices(("female", "male", "unknown"), weights=(52, 40, 8))[0]
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 55)) if rng.random() < 0.7 else None
    return Person(f"P{n:05d}", chinese_name(rng, gender), gender, born, ids.phone(), rng.choice(HOME_STORES))


def _day_after(rng: random.Random, at: datetime, today: date, *, within: int | None = None) -> datetime:
    """A trading-hours moment on a day after `at` and before `today` (within `within` days of today)."""
    first = times.local_day(at) + timedelta(days=1)
    if within is not None:
        first = max(first, today - timedelta(days=within))
    last = max(first, today - timedelta(days=1))
    return times.daytime(rng, first + timedelta(days=rng.randrange((last - first).days + 1)))


def _signup(rng: random.Random, ids: Identities, p: Person, today: date) -> Join:
    channel = rng.choices([c for c, _ in CHANNEL_MIX], weights=[w for _, w in CHANNEL_MIX])[0]
    phone_verified = channel != "ecommerce" and (channel != "pos" or rng.random() < 0.8)
    phone = _id("phone", p.phone, verified=phone_verified)
    identities = {
        "pos": lambda: [_id("pos_card", ids.pos_card(p.home_store)), phone],
        "mini_program": lambda: [*_mini_program(ids), phone],
        "app": lambda: [_id("app_user", ids.app_user()), phone] + (
            [_id("email", ids.email(), verified=True)] if rng.random() < 0.4 else []),
        "ecommerce": lambda: [_ecommerce_buyer(rng, ids), phone],
        "guide": lambda: [_id("wechat_unionid", ids.wechat()), phone],
    }[channel]()
    day = today - timedelta(days=rng.randint(*JOINED_DAYS))
    profile = ProfileIn(display_name=p.name, gender=p.gender, birthday=p.birthday if channel != "ecommerce" else None)
    return Join(p.key, "signup", times.daytime(rng, day), channel, tuple(identities), p.home_store, profile,
                _consents(rng, channel))


def _ecommerce_buyer(rng: random.Random, ids: Identities) -> IdentityIn:
    platform = rng.choice(PLATFORMS)
    return _id("ecommerce_buyer", ids.buyer(platform), app_id=platform)


def _consents(rng: random.Random, channel: str) -> tuple[ConsentIn, ...]:
    """Some agree to marketing messages, some refuse, a few want recommendations; guides ask for WeCom."""
    out = []
    roll = rng.random()
    if roll < 0.6:
        out.append(ConsentIn(purpose="marketing_messages", granted=roll < 0.45))
    if channel in ("mini_program", "app") and rng.random() < 0.35:
        out.append(ConsentIn(purpose="personalised_recommendations", granted=True))
    if channel == "guide":
        out.append(ConsentIn(purpose="wecom_contact", granted=True))
    return tuple(out)


def _mini_program_login(rng: random.Random, ids: Identities, p: Person, since: datetime, today: date) -> Join:
    consents = (ConsentIn(purpose="personalised_recommendations", granted=True),) if rng.random() < 0.3 else ()
    return Join(p.key, "mini_program_login", _day_after(rng, since, today), "mini_program",
                (*_mini_program(ids), _id("phone", p.phone, verified=True)), consents=consents, expect="matched")


def _till_card(rng: random.Random, ids: Identities, p: Person, since: datetime, today: date) -> Join:
    return Join(p.key, "till_card", _day_after(rng, since, today), "pos",
                (_id("pos_card", ids.pos_card(p.home_store)), _id("phone", p.phone, verified=True)),
                store=p.home_store, expect="matched")


def _double_signup(rng: random.Random, ids: Identities, p: Person, since: datetime, today: date) -> Join:
    store = rng.choice([s for s in HOME_STORES if s != p.home_store])
    return Join(f"{p.key}-2", "double_signup", _day_after(rng, since, today), "pos",
                (_id("pos_card", ids.pos_card(store)), _id("phone", ids.phone())), store,
                ProfileIn(display_name=p.name, gender=p.gender, birthday=p.birthday), listed=True)


def _shared_phone(rng: random.Random, ids: Identities, p: Person, key: str, since: datetime, today: date) -> Join:
    gender = rng.choice(("female", "male"))
    family = p.name[0] if rng.random() < 0.6 else None  # a child, or a spouse with their own surname
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 60)) if rng.random() < 0.5 else None
    profile = ProfileIn(display_name=chinese_name(rng, gender, family), gender=gender, birthday=born)
    return Join(key, "shared_phone", _day_after(rng, since, today), "mini_program",
                (*_mini_program(ids), _id("phone", p.phone)), p.home_store, profile, listed=True)


def _second_account_and_merge(rng: random.Random, ids: Identities, p: Person, signup: Join,
                              today: date) -> list[Join]:
    """An account without a phone, then one join proving it and the till account to be the same shopper."""
    birthday = p.birthday if rng.random() < 0.5 else None
    profile = ProfileIn(display_name=p.name, gender=p.gender, birthday=birthday)
    opened = _day_after(rng, signup.at, today - timedelta(days=15))
    merged_at = _day_after(rng, opened, today, within=14)
    if rng.random() < 0.6:  # the app: later verifies the phone by SMS
        app_user = _id("app_user", ids.app_user())
        second = Join(f"{p.key}-2", "second_account", opened, "app", (app_user, _id("email", ids.email())),
                      p.home_store, profile)
        proof = Join(p.key, "proof_merge", merged_at, "app", (app_user, _id("phone", p.phone, verified=True)),
                     expect="merged")
    else:  # the mini-program: its member code is scanned at the till with the POS card
        wechat = _mini_program(ids)
        second = Join(f"{p.key}-2", "second_account", opened, "mini_program", tuple(wechat), p.home_store, profile)
        proof = Join(p.key, "proof_merge", merged_at, "pos", (signup.identities[0], wechat[0]), store=p.home_store,
                     expect="merged")
    return [second, proof]
