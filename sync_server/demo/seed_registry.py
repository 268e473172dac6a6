"""A synthetic, deterministic registry for Leshan: units, persons and their enrolments.

Everything comes from one seeded ``random.Random``, drawn in a fixed order, so the same
seed gives the same rows on any machine. Rows are plain tuples in table column order,
ready for bulk insertion (``services.seed`` writes them). Ages are counted at
:data:`REFERENCE_DATE`, not today, so the data does not drift from day to day.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from schema.divisions import CITY_LEVEL_CODE, HISTORICAL_AREA_CODES, DivisionLevel, load_divisions, short_name
from schema.identifiers import USCC_ALPHABET, make_resident_id, make_uscc
from schema.vocabulary import InsuranceType

REFERENCE_DATE = dt.date(2026, 1, 1)

# Residents by county, in units of 10,000: approximate 2020 census figures.
COUNTY_WEIGHTS: dict[str, float] = {
    "511102": 57,  # 市中区
    "511111": 16,  # 沙湾区
    "511112": 27,  # 五通桥区
    "511113": 4.5,  # 金口河区
    "511123": 43,  # 犍为县
    "511124": 31,  # 井研县
    "511126": 31,  # 夹江县
    "511129": 20,  # 沐川县
    "511132": 13,  # 峨边彝族自治县
    "511133": 18,  # 马边彝族自治县
    "511181": 41,  # 峨眉山市
}
CITY_CENTRE = "511102"  # where people from other counties most often work
# Larger employers registered with the city bureau (市本级, USCC area 511100) sit in the centre.
CITY_LEVEL_SHARE = 0.04
CITY_LEVEL_INDUSTRIES = (("电力", 4), ("城市燃气", 5), ("公交", 3), ("水务", 3), ("银行", 1), ("投资集团", 1))

# Age bands 16–95 and their share of adults (shape of the 2020 census pyramid).
AGE_BANDS = ((16, 19, 4.5), (20, 29, 13), (30, 39, 16), (40, 49, 15), (50, 59, 17), (60, 69, 13),
             (70, 79, 7.5), (80, 89, 3), (90, 95, 0.6))  # fmt: skip

# Top surnames (weights roughly per mille in Sichuan).
SURNAMES = ("王李张刘陈杨黄赵周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋"
            "蔡贾丁魏薛叶余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万"
            "段雷钱汤尹黎易常武乔贺赖龚文")  # fmt: skip
SURNAME_WEIGHTS = [72, 70, 64, 54, 62, 52, 30, 22, 18, 20, 17, 12, 14, 11, 10, 10, 15, 9, 8, 28, 9, 8,
                   7, 10, 5, 14, 5, 5, 4, 4, 4, 6, 4, 11, 6, 9, 4, 5, 7, 6, 5, 6, 5, 6, 4, 4, 5, 7,
                   3, 5, 4, 3, 4, 3, 4, 5, 3, 3, 3, 3, 3, 3, 4, 5, 4, 4, 3, 3, 3, 2, 3, 3, 3, 2, 2,
                   2, 2, 3, 2, 2, 2, 2, 3, 2, 2, 5, 2, 3, 2, 3, 2, 2, 2, 2, 1, 2, 3, 2]  # fmt: skip
MALE_CHARS = "伟强军磊勇杰涛明超刚平辉鹏华飞斌宇浩凯健俊帆帅旭宁龙林波建国志文斌海东兵成洪云川江"
FEMALE_CHARS = "芳娟敏静丽艳娜秀英霞燕玲梅琳雪慧莉萍红颖婷倩琴蓉玉兰洁晶凤丹佳欣怡雨月春桂花"
# 峨边、马边 are Yi autonomous counties; many Yi names are written like these.
YI_SURNAMES = ("吉克", "阿苏", "沙马", "俄底", "阿的", "海来", "马黑", "勒格", "吉木", "阿牛", "曲比", "瓦扎")
YI_CHARS = "阿曲拉者伍各果布日莫尔史哈依妞子尼惹格"
PHONE_PREFIXES = ("139", "138", "135", "136", "137", "150", "151", "152", "157", "158", "159", "182",
                  "183", "187", "188", "130", "131", "132", "155", "156", "185", "186", "133", "153",
                  "180", "181", "189", "177", "199", "173", "198")  # fmt: skip
VILLAGES = ("新华", "红星", "团结", "和平", "永丰", "光明", "胜利", "联合", "建设", "金山", "石桥", "龙泉",
            "黄桷", "竹林", "桂花", "白果", "青龙", "双河", "高峰", "大田")  # fmt: skip
ROADS = ("滨江", "嘉定", "人民", "新村", "柏杨", "凤凰", "致江", "肖坝", "春华", "白燕", "府街", "东大")
# Born elsewhere in Sichuan (成都、眉山、宜宾、凉山…), now registered in Leshan.
OUTSIDE_AREA_CODES = ("510104", "510107", "511402", "511421", "511502", "513401", "511302", "510502")

# Industry words with their work-injury risk class (工伤保险行业风险类别 1–8).
INDUSTRIES = (("软件科技", 1), ("商贸", 2), ("餐饮管理", 2), ("物业管理", 2), ("酒店管理", 2),
              ("食品", 3), ("汽车服务", 3), ("农业开发", 4), ("医药", 4), ("机械制造", 4),
              ("印刷", 4), ("装饰工程", 5), ("物流", 5), ("建筑工程", 6))  # fmt: skip
SPECIALTIES: dict[str, tuple[tuple[str, int], ...]] = {
    "511102": (("多晶硅材料", 6),),
    "511111": (("钢铁", 6), ("冶金", 6)),
    "511112": (("化工", 6), ("盐化", 6)),
    "511113": (("矿业", 8),),
    "511123": (("煤业", 8), ("茶业", 3), ("天然气开发", 7)),
    "511124": (("天然气开发", 7), ("农业开发", 4)),
    "511126": (("陶瓷", 6), ("纸业", 5)),
    "511129": (("竹业", 5), ("纸业", 5)),
    "511132": (("矿业", 8), ("茶业", 3)),
    "511133": (("矿业", 8), ("茶业", 3)),
    "511181": (("旅游开发", 2), ("水泥", 6)),
}
BRANDS = ("恒达", "宏运", "金鑫", "嘉州", "明珠", "兴隆", "天成", "佳禾", "瑞丰", "永盛", "华西", "蜀南",
          "大渡河", "岷江", "青衣江", "凌云", "三江", "福禄", "鼎信", "海棠", "沫若", "东坡")  # fmt: skip

EP, EM = InsuranceType.ENTERPRISE_PENSION.value, InsuranceType.EMPLOYEE_MEDICAL.value
WI, UE = InsuranceType.WORK_INJURY.value, InsuranceType.UNEMPLOYMENT.value
RP, RM = InsuranceType.RESIDENT_PENSION.value, InsuranceType.RESIDENT_MEDICAL.value

PersonRow = tuple[str, str, str, str, str, str | None, str]  # id, name, sex, birth, township, phone, address
EnrolmentRow = tuple[str, str, str, str, str, str | None, str]  # id, type, county, kind, status, uscc, since
UnitRow = tuple[str, str, str, str, int]  # uscc, name, county, township, risk class


@dataclass(frozen=True)
class _County:
    code: str
    townships: tuple[str, ...]
    cum_weights: tuple[float, ...]
    historical: tuple[str, ...]  # old ID address codes of people born here before 1984


def _counties() -> dict[str, _County]:
    divisions = load_divisions()
    historical: dict[str, list[str]] = {}
    for old, (_name, successor) in HISTORICAL_AREA_CODES.items():
        if successor and old.startswith("5126"):
            historical.setdefault(successor, []).append(old)
    # 沙湾区 and 五通桥区 were part of the old county-level 乐山市 (512601).
    for code in ("511111", "511112"):
        historical.setdefault(code, []).append("512601")
    out = {}
    for code in COUNTY_WEIGHTS:
        towns = divisions.townships(code)
        weights = [
            3.0 if t.level == DivisionLevel.STREET or t.code.endswith("100") else
            1.2 if t.level == DivisionLevel.TOWN else 0.7
            for t in towns
        ]  # fmt: skip
        out[code] = _County(
            code, tuple(t.code for t in towns), tuple(itertools.accumulate(weights)), tuple(historical[code])
        )
    return out


def _pick(rng: random.Random, items: Sequence[str], cum_weights: Sequence[float]) -> str:
    return items[bisect.bisect(cum_weights, rng.random() * cum_weights[-1])]


class RegistryGenerator:
    """Draws units first, then persons chunk by chunk; call in that order for determinism."""

    def __init__(self, seed: int, today: dt.date = REFERENCE_DATE) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - synthetic data, reproducible by design
        self.today = today
        self.counties = _counties()
        self.county_codes = tuple(COUNTY_WEIGHTS)
        self.county_cum = tuple(itertools.accumulate(COUNTY_WEIGHTS.values()))
        self.surname_cum = tuple(itertools.accumulate(SURNAME_WEIGHTS))
        self.age_cum = tuple(itertools.accumulate(w for _, _, w in AGE_BANDS))
        divisions = load_divisions()
        self.full_names = {t: divisions.full_name(t) for c in self.counties.values() for t in c.townships}
        self.streets = {d.code for d in divisions if d.level == DivisionLevel.STREET}
        self.units_by_county: dict[str, list[str]] = {}
        self.all_units: list[str] = []
        self.used_ids: set[str] = set()

    # ---- units ------------------------------------------------------------------------

    def units(self, count: int) -> list[UnitRow]:
        rng, rows, seen = self.rng, [], set()
        # Employers cluster in the city centre more than people do.
        cum = tuple(
            itertools.accumulate(w * (1.8 if c == CITY_CENTRE else 1) for c, w in COUNTY_WEIGHTS.items())
        )
        divisions = load_divisions()
        for _ in range(count):
            county = self.counties[_pick(rng, self.county_codes, cum)]
            city_level = rng.random() < CITY_LEVEL_SHARE
            if city_level:  # registered with the city bureau, located in the centre
                county = self.counties[CITY_CENTRE]
            township = _pick(rng, county.townships, county.cum_weights)
            specialties = SPECIALTIES[county.code]
            noun, risk = rng.choice(specialties) if rng.random() < 0.3 else rng.choice(INDUSTRIES)
            if city_level:
                noun, risk = rng.choice(CITY_LEVEL_INDUSTRIES)
            place = "乐山" if county.code == CITY_CENTRE else short_name(divisions.name_of(county.code))
            name = f"{place}{rng.choice(BRANDS)}{noun}有限公司"
            party = CITY_LEVEL_CODE if city_level else county.code
            while True:
                body = "".join(rng.choice(USCC_ALPHABET[:10] if i < 8 else USCC_ALPHABET) for i in range(9))
                uscc = make_uscc("91" + party + body)
                if uscc not in seen:
                    break
            seen.add(uscc)
            rows.append((uscc, name, party, township, risk))
            # 市本级 units employ people from every county, most from the centre's.
            self.units_by_county.setdefault(CITY_CENTRE if city_level else party, []).append(uscc)
            self.all_units.append(uscc)
        return rows

    # ---- persons ----------------------------------------------------------------------

    def persons(self, count: int, chunk: int) -> Iterator[tuple[list[PersonRow], list[EnrolmentRow]]]:
        for start in range(0, count, chunk):
            people: list[PersonRow] = []
            enrolments: list[EnrolmentRow] = []
            for _ in range(min(chunk, count - start)):
                person, county = self._person()
                people.append(person)
                self._enrol(person, county, enrolments)
            yield people, enrolments

    def _birth(self) -> dt.date:
        rng = self.rng
        low, high, _ = AGE_BANDS[bisect.bisect(self.age_cum, rng.random() * self.age_cum[-1])]
        age = rng.randint(low, high)
        today = self.today
        latest = today.replace(year=today.year - age).toordinal()
        return dt.date.fromordinal(
            rng.randint(today.replace(year=today.year - age - 1).toordinal() + 1, latest)
        )

    def _name(self, county: str, male: bool) -> str:
        rng = self.rng
        if county in ("511132", "511133") and rng.random() < 0.25:
            return rng.choice(YI_SURNAMES) + rng.choice(YI_CHARS) + rng.choice(YI_CHARS)
        surname = SURNAMES[bisect.bisect(self.surname_cum, rng.random() * self.surname_cum[-1])]
        chars = MALE_CHARS if male else FEMALE_CHARS
        given = rng.choice(chars) + (rng.choice(chars) if rng.random() < 0.78 else "")
        return surname + given

    def _person(self) -> tuple[PersonRow, _County]:
        rng = self.rng
        county = self.counties[_pick(rng, self.county_codes, self.county_cum)]
        township = _pick(rng, county.townships, county.cum_weights)
        birth = self._birth()
        male = rng.random() < 0.51
        roll = rng.random()
        if birth.year < 1984 and roll < 0.06:
            area = rng.choice(county.historical)  # an old ID issued under 乐山地区
        elif roll < 0.09:
            area = rng.choice(OUTSIDE_AREA_CODES)  # born elsewhere in Sichuan
        elif roll < 0.12:
            area = rng.choice(self.county_codes)  # moved within the city
        else:
            area = county.code
        while True:
            number = make_resident_id(area, birth, rng.randrange(500) * 2 + (1 if male else 0))
            if number not in self.used_ids:
                break
        self.used_ids.add(number)
        phone = None if rng.random() < 0.08 else f"{rng.choice(PHONE_PREFIXES)}{rng.randrange(10**8):08d}"
        if township in self.streets:
            address = f"{self.full_names[township]}{rng.choice(ROADS)}路{rng.randint(1, 399)}号"
        else:
            address = f"{self.full_names[township]}{rng.choice(VILLAGES)}村{rng.randint(1, 12)}组"
        name = self._name(county.code, male)
        sex = "male" if male else "female"
        return (number, name, sex, birth.isoformat(), township, phone, address), county

    def _since(self, earliest: dt.date) -> str:
        start = max(earliest, dt.date(1992, 1, 1)).toordinal()
        return dt.date.fromordinal(
            self.rng.randint(min(start, self.today.toordinal()), self.today.toordinal())
        ).isoformat()

    def _enrol(self, person: PersonRow, county: _County, out: list[EnrolmentRow]) -> None:
        rng = self.rng
        number, sex, birth = person[0], person[2], dt.date.fromisoformat(person[3])
        age = self.today.year - birth.year - ((self.today.month, self.today.day) < (birth.month, birth.day))
        retire_age = 60 if sex == "male" else 50
        roll = rng.random()
        home = county.code
        if age >= retire_age:
            if roll < 0.38:  # 企业退休人员: pension and employee medical insurance continue
                since = birth.replace(year=birth.year + retire_age, day=min(birth.day, 28)).isoformat()
                out += [(number, t, home, "retired", "active", None, since) for t in (EP, EM)]
            elif roll < 0.95:  # 城乡居民养老 receiving, resident medical
                since = self._since(max(dt.date(2010, 1, 1), birth.replace(year=birth.year + 16, day=1)))
                out += [(number, t, home, "resident", "active", None, since) for t in (RP, RM)]
            return
        earliest = birth.replace(year=birth.year + 16, day=1)
        if age < 23 and rng.random() < 0.5:  # students: resident medical insurance only
            out.append((number, RM, home, "resident", "active", None, self._since(earliest)))
        elif roll < 0.30:  # employees of units
            unit_county = home
            if rng.random() < 0.08:  # works in another county, most often the city centre
                centre = home != CITY_CENTRE and rng.random() < 0.7
                unit_county = CITY_CENTRE if centre else rng.choice(self.county_codes)
            uscc = rng.choice(self.units_by_county.get(unit_county) or self.all_units)
            status = "active" if rng.random() < 0.92 else rng.choice(("suspended", "stopped"))
            since = self._since(birth.replace(year=birth.year + 18, day=1))
            out += [(number, t, uscc[2:8], "employee", status, uscc, since) for t in (EP, EM, WI, UE)]
        elif roll < 0.44:  # 灵活就业人员, some paying in 市中区 where they work
            insured = CITY_CENTRE if rng.random() < 0.05 else home
            since = self._since(earliest)
            out.append((number, EP, insured, "flexible", "active", None, since))
            if rng.random() < 0.7:
                out.append((number, EM, insured, "flexible", "active", None, since))
            else:
                out.append((number, RM, home, "resident", "active", None, since))
        elif roll < 0.94:  # rural and urban residents
            since = self._since(max(earliest, dt.date(2010, 1, 1)))
            out += [(number, t, home, "resident", "active", None, since) for t in (RP, RM)]
