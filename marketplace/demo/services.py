"""Build the demo marketplace: a zhongshi/v1 document from templates, imported like any other,
then users for every role and a few platforms waiting in the review queue."""

from __future__ import annotations

import random
import re
from datetime import timedelta

from sqlalchemy import select

from .. import signals, vocab
from ..accounts import services as account_services
from ..accounts.models import Organization, Role, User
from ..core.models import utcnow
from ..core.timeutil import local_today
from ..demands.models import Demand, DemandStatus
from ..extensions import db
from ..interchange.services import FORMAT, import_document
from ..platforms import services as platform_services
from ..platforms.models import Platform
from ..subscriptions import services as subscriptions
from . import themes as demo_themes
from .activity import backdate_catalogue, seed_activity
from .cases import seed_cases
from .conversations import seed_conversations
from .evaluation import seed_evaluation
from .notices import seed_notices_and_events
from .timeline import seed_experts

DEMO_PASSWORD = "zhongshi-demo"
DEMO_ACCOUNTS = [
    ("admin@demo.cn", "管理员", Role.ADMIN),
    ("operator@demo.cn", "平台运营方", Role.OPERATOR),
    ("firm@demo.cn", "需求企业用户", Role.FIRM),
    ("expert@demo.cn", "评审专家", Role.EXPERT),
]
#: Needs no demo platform serves (ref, title, description, domain).
GAP_DEMANDS = [
    (
        "demo-gap-001",
        "航空发动机单晶叶片定向凝固中试",
        "需要真空定向凝固炉开展镍基单晶叶片浇注试验，评估杂晶缺陷。",
        "高端装备制造",
    ),
    (
        "demo-gap-002",
        "文物青铜器无损修复材料中试",
        "博物馆委托开发青铜器缓蚀封护材料，需要在模拟样块上做加速老化与色差评估，小批量配制封护剂。",
        "新材料",
    ),
]
#: Telephone area codes, so a platform in 青岛 has a 0532 number.
AREA_CODES = {
    "济南": "0531",
    "青岛": "0532",
    "淄博": "0533",
    "德州": "0534",
    "烟台": "0535",
    "潍坊": "0536",
    "济宁": "0537",
    "泰安": "0538",
    "临沂": "0539",
    "菏泽": "0530",
    "滨州": "0543",
    "东营": "0546",
    "威海": "0631",
    "枣庄": "0632",
    "日照": "0633",
    "聊城": "0635",
}
#: Where a platform of a domain sits.
PARKS = {
    "高端化工": "化工产业园",
    "食品": "食品产业园",
    "冶金与有色": "新材料产业园",
    "建材": "循环经济产业园",
    "现代轻工纺织": "经济技术开发区",
}
STREETS = ["创新路", "科创大道", "工业南路", "智造街", "科技三路", "兴业路", "开源路", "实验路"]
SURNAMES = "王李张刘陈杨赵黄周吴孙马朱胡郭何高林"
SHARING_RULES = [
    "面向省内外企业开放，按预约先后安排；涉密项目可签订保密协议。",
    "设备和场地对外开放共享，提前三个工作日预约；工艺类服务签订技术服务合同。",
    "优先保障省内中小企业，预约后由项目经理对接；可提供驻场技术人员。",
]
FEE_STANDARDS = [
    "设备按机时或批次收费，服务按项目报价，省内中小企业享受收费优惠。",
    "按公示价格收费；长期合作和科技型中小企业可申请创新券抵扣。",
    "检测按样品收费，中试按批次或项目报价，报价含基本耗材。",
]
CONFIDENTIAL = "关键工艺参数、配方或菌种信息和目标客户情况，签署保密协议后提供。"
#: Days between an order and the start of work, by price unit (services priced per project take longest).
LEAD_TIMES = {
    "hour": (2, 7),
    "day": (3, 14),
    "batch": (7, 21),
    "sample": (5, 15),
    "month": (15, 45),
    "project": (20, 90),
    None: (30, 120),
}
ANONYMOUS_SHARE = 0.2  #: of the firms post their needs anonymously


def _fill(text: str, value: str | None) -> str:
    return text.replace("{v}", value) if value is not None else text


def _amount(rng: random.Random, low: int, high: int) -> int:
    """A round price between low and high (steps of 10 up to 1,000 yuan, 100 up to 20,000 …)."""
    step = 10 if high < 1000 else 100 if high < 20000 else 1000 if high < 200000 else 10000
    return max(low, rng.randint(low // step, high // step) * step)


def _area_m2(specs: dict[str, str]) -> float | None:
    """A site's floor area from its 面积 spec (㎡, m² or 亩)."""
    match = re.match(r"\s*([\d.]+)\s*(㎡|m²|亩)", specs.get("面积", ""))
    if not match:
        return None
    value = float(match[1])
    return round(value * 666.7) if match[2] == "亩" else value


def _offering_record(rng: random.Random, ref: str, plat_ref: str, theme, template) -> dict:
    value = rng.choice(template.scales) if template.scales else None
    title = _fill(template.title, value)
    specs = {k: _fill(v, value) for k, v in template.specs.items()}
    description = _fill(template.description, value)
    record = {
        "ref": ref,
        "platform_ref": plat_ref,
        "kind": template.kind,
        "title": title,
        "description": description,
        "specs": specs,
        "domains": [theme.domain],
        "lead_time_days": rng.randint(*LEAD_TIMES[template.unit]),
        "bookable": template.kind in ("equipment", "site"),
    }
    if template.price is None:
        record["price"] = {"negotiable": True}
    else:
        record["price"] = {"amount": _amount(rng, *template.price), "unit": template.unit}
    if template.kind == "service":
        record["service_type"] = template.service_type
    elif template.kind == "equipment":
        record["quantity"] = rng.choice([1, 1, 1, 2])
    elif template.kind == "site":
        record["area_m2"] = _area_m2(specs)
        record["is_explosion_proof"] = "防爆" in title + description + "".join(
            f"{k}{v}" for k, v in specs.items()
        )
        if specs.get("洁净级别") in vocab.CLEANROOM_CLASSES:
            record["cleanroom_class"] = specs["洁净级别"]
    return record


def build_document(seed: int = 2024) -> dict:
    """The demo marketplace as a zhongshi/v1 document: one platform per theme, with the theme's
    offerings, and the firms' needs written for each theme."""
    rng = random.Random(seed)
    orgs, platforms, offerings, demands = [], [], [], []
    all_themes = demo_themes.load()
    for theme in all_themes:
        city = theme.city
        org_ref = f"demo-org-{len(orgs) + 1:03d}"
        orgs.append({"ref": org_ref, "name": f"{city}某{theme.org}", "kind": theme.org_kind, "city": city})
        number = len(platforms) + 1
        plat_ref = f"demo-plat-{number:03d}"
        place = PARKS.get(theme.domain, "高新技术产业开发区")
        platforms.append(
            {
                "ref": plat_ref,
                "org_ref": org_ref,
                "name": f"{city}{theme.name}",
                "level": rng.choices(vocab.PLATFORM_LEVELS, weights=[1, 4, 3, 2])[0],
                "city": city,
                "domains": theme.domains,
                "description": f"平台位于{city}{place}。{theme.intro}主要提供{theme.capabilities}等服务。",
                "capabilities": theme.capabilities,
                "certifications": theme.certifications,
                "address": f"山东省{city}市{place}{rng.choice(STREETS)}{rng.randint(1, 999)}号",
                "sharing_rules": rng.choice(SHARING_RULES),
                "fee_standard": rng.choice(FEE_STANDARDS),
                "contact": {
                    "name": rng.choice(SURNAMES) + "工",
                    "phone": f"{AREA_CODES[city]}-{rng.randint(60000000, 89999999)}",
                    "email": f"pilot{number:03d}@example.cn",
                },
            }
        )
        for template in theme.offerings:
            ref = f"demo-off-{len(offerings) + 1:04d}"
            offerings.append(_offering_record(rng, ref, plat_ref, theme, template))
    today = local_today()
    firm_names = {org["name"] for org in orgs}  # a firm never shares a name with another organisation
    for theme in all_themes:
        for index, template in enumerate(theme.demands):
            firm_no = len(demands) + 1
            # Firms sit all over the province, a third of them in the city of the platforms they need.
            city = theme.city if rng.random() < 0.3 else vocab.CITIES[(firm_no * 5) % len(vocab.CITIES)]
            tails = theme.firms[index:] + theme.firms[:index]
            name = next(
                (f"{city}某{t}" for t in tails if f"{city}某{t}" not in firm_names), f"{city}某{tails[0]}"
            )
            firm_names.add(name)
            org_ref = f"demo-firm-{firm_no:03d}"
            orgs.append({"ref": org_ref, "name": name, "kind": "enterprise", "city": city})
            value = rng.choice(template.scales) if template.scales else None
            start = today + timedelta(days=rng.randint(10, 60))
            low, high = template.budget
            demand = {
                "ref": f"demo-dem-{firm_no:04d}",
                "org_ref": org_ref,
                "title": _fill(template.title, value),
                "description": _fill(template.description, value),
                "domains": [theme.domain],
                "kinds": list(template.kinds),
                "trl": rng.randint(4, 7),
                "budget": {"max": rng.randint(low // 10000, high // 10000) * 10000},
                "window": {
                    "start": start.isoformat(),
                    "end": (start + timedelta(days=rng.randint(60, 240))).isoformat(),
                },
                "city_preference": sorted({city, theme.city}),
                "confidential_detail": CONFIDENTIAL,
            }
            if firm_no > 1 and rng.random() < ANONYMOUS_SHARE:
                demand["anonymous"] = True
            demands.append(demand)
    return {
        "format": FORMAT,
        "organizations": orgs,
        "platforms": platforms,
        "offerings": offerings,
        "demands": demands,
    }


def database_is_empty() -> bool:
    return (
        db.session.scalar(select(Platform.id).limit(1)) is None
        and db.session.scalar(select(User.id).limit(1)) is None
    )


def seed_demo() -> dict[str, int]:
    """Load the demo marketplace into an empty database; the caller commits."""
    document = build_document()
    import_document(document)
    first_platform_org = db.session.scalar(select(Organization).where(Organization.ref == "demo-org-001"))
    first_firm = db.session.scalar(select(Organization).where(Organization.ref == "demo-firm-001"))
    government = Organization(ref="demo-gov-001", name="山东省某工业主管部门", kind="government", city="济南")
    experts = Organization(
        ref="demo-expert-org", name="济南某高校中试研究中心", kind="university", city="济南"
    )
    db.session.add_all([government, experts])
    homes = {
        Role.ADMIN: government,
        Role.OPERATOR: first_platform_org,
        Role.FIRM: first_firm,
        Role.EXPERT: experts,
    }
    for email, name, role in DEMO_ACCOUNTS:
        account_services.create_user(
            email=email, password=DEMO_PASSWORD, name=name, role=role, organization=homes[role]
        )
    operator = db.session.scalar(select(User).where(User.email == "operator@demo.cn"))
    # One operator for every other platform organisation, so every platform has people. They share
    # the demo password's hash: hashing it 50 times would make `flask seed-demo` take 10 s longer.
    db.session.add_all(
        User(
            email=f"op-{org.ref[-3:]}@demo.cn",
            name=f"{org.city}运营专员",
            role=Role.OPERATOR,
            organization=org,
            password_hash=operator.password_hash,
        )
        for org in db.session.scalars(
            select(Organization).where(
                Organization.ref.like("demo-org-%"), Organization.id != first_platform_org.id
            )
        )
    )
    # Two platforms waiting for review, so the queue has work.
    for name, city, domain in (
        ("青岛海洋药物制剂中试平台（新建）", "青岛", "生物医药"),
        ("烟台海洋牧场装备中试平台（新建）", "烟台", "高端装备制造"),
    ):
        platform = platform_services.create_platform(
            operator,
            {
                "name": name,
                "level": "市级",
                "city": city,
                "domains": [domain],
                "description": "新建中试平台，已完成主要设备安装调试，申请纳入全省中试平台目录。",
                "capabilities": "小试工艺验证、中试放大、样品试制与检测",
                "sharing_rules": "面向省内企业开放，工作日预约，急件可协商。",
                "fee_standard": "按设备台时和服务项目收费，详见各资源报价。",
                "contact_name": "平台办公室",
                "contact_phone": "0532-86000000" if city == "青岛" else "0536-86000000",
                "certifications": ["ISO 9001"],
            },
        )
        platform_services.submit_platform(operator, platform)
    # Two needs the catalogue has nothing for, posted three weeks ago: the coverage dashboard's gaps.
    for number, (ref, title, description, domain) in enumerate(GAP_DEMANDS, start=1):
        posted = utcnow() - timedelta(days=21 - number)
        db.session.add(
            Demand(
                ref=ref,
                org_id=first_firm.id,
                title=title,
                description=description,
                domains=[domain],
                kinds=["equipment"],
                deadline=local_today() + timedelta(days=90),
                status=DemandStatus.OPEN,
                published_at=posted,
                created_at=posted,
            )
        )
    # The demo firm follows what it needs: new matching offerings reach its notification centre.
    firm = db.session.scalar(select(User).where(User.email == "firm@demo.cn"))
    subscriptions.save_search(firm, {"q": "发酵罐"})
    subscriptions.follow(firm, "domain", "生物医药")
    subscriptions.follow(firm, "events", "")
    db.session.flush()
    counts = {k: len(v) for k, v in document.items() if isinstance(v, list)}
    counts.update(seed_notices_and_events())
    counts.update(seed_activity())
    counts.update(seed_conversations())
    with signals.notice.muted():  # nobody is told about a replayed year
        people = seed_experts()
        counts.update(seed_cases(people))
        counts.update(seed_evaluation(people))
    backdate_catalogue()  # after every seeded booking, the replayed years' too
    return counts
