"""Build the demo marketplace: a zhongshi/v1 document from templates, imported like any other,
then users for every role and a few platforms waiting in the review queue."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from ..accounts import services as account_services
from ..accounts.models import Organization, Role, User
from ..core.timeutil import local_today
from ..extensions import db
from ..interchange.services import FORMAT, import_document
from ..platforms import services as platform_services
from ..platforms.models import Platform
from .catalog_data import DOMAIN_DATA, PLATFORM_CITIES

DEMO_PASSWORD = "zhongshi-demo"
DEMO_ACCOUNTS = [
    ("admin@demo.cn", "管理员", Role.ADMIN),
    ("operator@demo.cn", "平台运营方", Role.OPERATOR),
    ("firm@demo.cn", "需求企业用户", Role.FIRM),
    ("expert@demo.cn", "评审专家", Role.EXPERT),
]
ORG_SUFFIXES = ["科技有限公司", "研究院", "产业技术研究院有限公司", "股份有限公司"]
FIRM_SUFFIXES = ["科技有限公司", "股份有限公司", "新材料有限公司", "制造有限公司", "技术有限公司"]


def _fill(text: str, value) -> str:
    return text.replace("{v}", str(value)) if value is not None else text.replace("{v}", "")


def build_document(seed: int = 2024, demands_per_domain: int = 15) -> dict:
    rng = random.Random(seed)
    orgs, platforms, offerings, demands = [], [], [], []
    city_cycle = iter(PLATFORM_CITIES * 10)
    n_off = 0
    for d_index, (domain, data) in enumerate(DOMAIN_DATA.items()):
        themes = list(data["themes"])
        instances = [(t, next(city_cycle)) for t in themes]
        if d_index < 6:  # the big domains have a second site for their main themes
            instances += [(t, next(city_cycle)) for t in themes[:2]]
        for p_index, ((theme, certs, capabilities), city) in enumerate(instances):
            org_ref = f"demo-org-{len(orgs) + 1:03d}"
            kind = "institute" if p_index % 3 == 1 else "university" if p_index % 5 == 4 else "enterprise"
            orgs.append(
                {
                    "ref": org_ref,
                    "name": f"{city}某{data['org']}{ORG_SUFFIXES[p_index % len(ORG_SUFFIXES)]}",
                    "kind": kind,
                    "city": city,
                }
            )
            plat_ref = f"demo-plat-{len(platforms) + 1:03d}"
            other = rng.choice([x for x in DOMAIN_DATA if x != domain]) if rng.random() < 0.3 else None
            level = rng.choices(["国家级", "省级", "市级", "企业自建"], weights=[1, 4, 3, 2])[0]
            platforms.append(
                {
                    "ref": plat_ref,
                    "org_ref": org_ref,
                    "name": f"{city}{theme}",
                    "level": level,
                    "city": city,
                    "domains": [domain] + ([other] if other else []),
                    "description": f"平台位于{city}，面向{domain}领域企业开放共享，主要提供"
                    "{capabilities}等中试服务，"
                    f"可承接从小试到吨级放大的工艺验证与样品试制。",
                    "capabilities": capabilities,
                    "certifications": certs,
                    "address": f"山东省{city}市高新区创新路{rng.randint(1, 999)}号",
                    "sharing_rules": "面向省内外企业开放，按预约先后安排；涉密项目可签订保密协议。",
                    "fee_standard": "设备按机时或批次收费，服务按项目报价，省内中小企业享受收费优惠。",
                    "contact": {
                        "name": rng.choice("王李张刘陈杨赵黄周吴") + "工",
                        "phone": f"0531-{rng.randint(60000000, 89999999)}",
                        "email": f"pilot{len(platforms):03d}@example.cn",
                    },
                }
            )
            templates = rng.sample(data["offerings"], k=min(len(data["offerings"]), rng.randint(8, 11)))
            for kind_code, title, specs, description, price, unit, scales in templates:
                n_off += 1
                value = rng.choice(scales)
                record = {
                    "ref": f"demo-off-{n_off:04d}",
                    "platform_ref": plat_ref,
                    "kind": kind_code,
                    "title": _fill(title, value).strip(),
                    "description": description,
                    "specs": {k: _fill(v, value) for k, v in specs.items()},
                    "domains": [domain],
                    "lead_time_days": rng.choice([3, 5, 7, 10, 14, 21, 30]),
                    "bookable": kind_code in ("equipment", "site"),
                }
                if price is None:
                    record["price"] = {"negotiable": True}
                else:
                    amount = (
                        rng.randint(price[0] // 100, price[1] // 100) * 100
                        if price[1] >= 1000
                        else rng.randint(*price)
                    )
                    record["price"] = {"amount": amount, "unit": unit}
                if kind_code == "service":
                    record["service_type"] = rng.choice(
                        ["样品试制", "检测验证", "工艺改进", "小批量试产", "数据模拟", "工艺包设计"]
                    )
                if kind_code == "site":
                    record["area_m2"] = float(value or rng.choice([300, 600, 1200]))
                    record["is_explosion_proof"] = "防爆" in title + description
                if kind_code == "equipment":
                    record["quantity"] = rng.randint(1, 3)
                offerings.append(record)
    today = local_today()
    firm_index = 0
    for domain, data in DOMAIN_DATA.items():
        for i in range(demands_per_domain):
            title, description, kinds, budget, scales = data["demands"][i % len(data["demands"])]
            value = rng.choice(scales)
            firm_index += 1
            city = rng.choice(PLATFORM_CITIES)
            org_ref = f"demo-firm-{firm_index:03d}"
            orgs.append(
                {
                    "ref": org_ref,
                    "name": f"{city}某{data['org']}{FIRM_SUFFIXES[firm_index % len(FIRM_SUFFIXES)]}",
                    "kind": "enterprise",
                    "city": city,
                }
            )
            start = today + timedelta(days=rng.randint(10, 60))
            demands.append(
                {
                    "ref": f"demo-dem-{len(demands) + 1:04d}",
                    "org_ref": org_ref,
                    "title": _fill(title, value),
                    "description": _fill(description, value),
                    "domains": [domain],
                    "kinds": kinds,
                    "trl": rng.randint(4, 7),
                    "budget": {"max": rng.randint(budget[0] // 10000, budget[1] // 10000) * 10000},
                    "window": {
                        "start": start.isoformat(),
                        "end": (start + timedelta(days=rng.randint(60, 240))).isoformat(),
                    },
                    "city_preference": sorted({city, rng.choice(PLATFORM_CITIES)}),
                    "confidential_detail": "关键工艺参数、菌种/配方信息和目标客户情况，签署保密协议后提供。",
                }
            )
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
    # One operator for every other platform organisation and one user for every firm,
    # so every record has people.
    for org in db.session.scalars(
        select(Organization).where(
            Organization.ref.like("demo-org-%"), Organization.id != first_platform_org.id
        )
    ):
        account_services.create_user(
            email=f"op-{org.ref[-3:]}@demo.cn",
            password=DEMO_PASSWORD,
            name=f"{org.city}运营专员",
            role=Role.OPERATOR,
            organization=org,
        )
    operator = db.session.scalar(select(User).where(User.email == "operator@demo.cn"))
    # Two platforms waiting for review, so the queue has work.
    for name, city, domain in (
        ("青岛海洋药物制剂中试平台（新建）", "青岛", "生物医药"),
        ("潍坊智能农机中试验证平台", "潍坊", "高端装备制造"),
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
    db.session.flush()
    return {k: len(v) for k, v in document.items() if isinstance(v, list)}
