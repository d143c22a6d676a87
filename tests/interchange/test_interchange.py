"""zhongshi/v1 import and export: validation by ref and field, all or nothing, idempotence, round trip."""

import copy
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from marketplace.demands.models import Demand
from marketplace.interchange import services
from marketplace.offerings.models import Offering
from marketplace.platforms.models import Platform

#: The small judged set the project carries (tests/matching/data); the shared one may be absent.
JUDGED_SET = Path(__file__).resolve().parents[1] / "matching" / "data" / "judged_set.json"

SMALL = {
    "format": "zhongshi/v1",
    "organizations": [
        {
            "ref": "org-1",
            "name": "青岛某生物科技有限公司",
            "kind": "enterprise",
            "city": "青岛",
            "credit_code": "91350100M000100Y43",
        },
        {"ref": "org-2", "name": "济南某制药有限公司", "kind": "enterprise", "city": "济南"},
    ],
    "platforms": [
        {
            "ref": "plat-1",
            "org_ref": "org-1",
            "name": "海洋生物医药中试平台",
            "level": "省级",
            "city": "青岛",
            "domains": ["生物医药"],
            "description": "发酵与纯化",
            "certifications": ["GMP"],
            "contact": {"name": "王工", "phone": "0532-00000000", "email": "pilot@example.cn"},
        }
    ],
    "offerings": [
        {
            "ref": "off-1",
            "platform_ref": "plat-1",
            "kind": "equipment",
            "title": "500 L 不锈钢发酵罐",
            "description": "……",
            "specs": {"容积": "500 L"},
            "domains": ["生物医药"],
            "price": {"amount": 1200, "unit": "day"},
            "lead_time_days": 7,
            "bookable": True,
        },
        {
            "ref": "off-2",
            "platform_ref": "plat-1",
            "kind": "service",
            "title": "发酵工艺开发",
            "domains": ["生物医药"],
            "price": {"negotiable": True},
        },
    ],
    "demands": [
        {
            "ref": "dem-1",
            "org_ref": "org-2",
            "title": "重组蛋白发酵工艺放大",
            "description": "放大到 500 L",
            "domains": ["生物医药"],
            "kinds": ["equipment", "service"],
            "trl": 5,
            "budget": {"max": 300000},
            "window": {"start": "2099-03-01", "end": "2099-06-30"},
            "city_preference": ["青岛", "济南"],
        }
    ],
}


def counts(db):
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (Platform, Offering, Demand))


def test_import_creates_public_records(db):
    report = services.import_document(copy.deepcopy(SMALL))
    db.session.commit()
    assert report.created == {"organizations": 2, "platforms": 1, "offerings": 2, "demands": 1}
    platform = db.session.scalar(select(Platform))
    assert platform.status == "approved" and platform.contact_email == "pilot@example.cn"
    negotiable = db.session.scalar(select(Offering).where(Offering.ref == "off-2"))
    assert negotiable.price_amount is None
    demand = db.session.scalar(select(Demand))
    assert (
        demand.status == "open"
        and demand.deadline.isoformat() == "2099-06-30"
        and demand.budget_max == 300000
    )


def test_importing_twice_changes_nothing(db):
    services.import_document(copy.deepcopy(SMALL))
    db.session.commit()
    before = db.session.scalar(select(Offering.updated_at).where(Offering.ref == "off-1"))
    report = services.import_document(copy.deepcopy(SMALL))
    db.session.commit()
    assert sum(report.created.values()) == 0 and sum(report.updated.values()) == 0
    assert db.session.scalar(select(Offering.updated_at).where(Offering.ref == "off-1")) == before


def test_upsert_updates_by_ref(db):
    services.import_document(copy.deepcopy(SMALL))
    db.session.commit()
    changed = copy.deepcopy(SMALL)
    changed["offerings"][0]["title"] = "1000 L 不锈钢发酵罐"
    report = services.import_document(changed)
    db.session.commit()
    assert report.updated["offerings"] == 1 and counts(db) == (1, 2, 1)
    assert db.session.scalar(select(Offering.title).where(Offering.ref == "off-1")) == "1000 L 不锈钢发酵罐"


@pytest.mark.parametrize(
    "mutate,section,ref,field",
    [
        (
            lambda d: d["organizations"][0].update(credit_code="91350100M000100Y44"),
            "organizations",
            "org-1",
            "credit_code",
        ),
        (lambda d: d["platforms"][0].update(level="县级"), "platforms", "plat-1", "level"),
        (lambda d: d["platforms"][0].update(org_ref="org-missing"), "platforms", "plat-1", "org_ref"),
        (lambda d: d["offerings"][0].update(kind="robot"), "offerings", "off-1", "kind"),
        (lambda d: d["offerings"][0].update(price={"amount": 5}), "offerings", "off-1", "price.unit"),
        (lambda d: d["offerings"][1].update(domains=["火星"]), "offerings", "off-2", "domains"),
        (lambda d: d["demands"][0].update(trl=12), "demands", "dem-1", "trl"),
        (
            lambda d: d["demands"][0].update(window={"start": "2099-13-01"}),
            "demands",
            "dem-1",
            "window.start",
        ),
        (lambda d: d["demands"][0].update(title=""), "demands", "dem-1", "title"),
        (lambda d: d["offerings"].append(dict(d["offerings"][0])), "offerings", "off-1", "ref"),
    ],
)
def test_a_bad_record_is_reported_by_ref_and_field_and_nothing_is_imported(db, mutate, section, ref, field):
    document = copy.deepcopy(SMALL)
    mutate(document)
    with pytest.raises(services.ImportFailed) as failed:
        services.import_document(document)
    db.session.rollback()
    assert any((e.section, e.ref, e.field) == (section, ref, field) for e in failed.value.errors), (
        failed.value.errors
    )
    assert counts(db) == (0, 0, 0)


def test_every_bad_record_is_reported(db):
    document = copy.deepcopy(SMALL)
    document["offerings"][0]["kind"] = "robot"
    document["demands"][0]["trl"] = 0
    with pytest.raises(services.ImportFailed) as failed:
        services.import_document(document)
    assert {(e.ref, e.field) for e in failed.value.errors} == {("off-1", "kind"), ("dem-1", "trl")}


def test_wrong_format_is_refused(db):
    with pytest.raises(services.ImportFailed) as failed:
        services.import_document({"format": "other/v2"})
    assert failed.value.errors[0].field == "format"


@pytest.mark.parametrize("judged_set", ["in_repo", "shared"])
def test_export_then_import_round_trips(app, db, request, judged_set):
    path = JUDGED_SET if judged_set == "in_repo" else request.getfixturevalue("shared_eval") / "dev_set.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    services.import_document(copy.deepcopy(document))
    db.session.commit()
    exported = services.export_document()
    records = ("offerings", "demands")
    assert [len(exported[k]) for k in records] == [len(document[k]) for k in records]
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()
    services.import_document(copy.deepcopy(exported))
    db.session.commit()
    assert services.export_document() == exported


def test_cli_import_and_export(runner, db, tmp_path):
    source = tmp_path / "in.json"
    source.write_text(json.dumps(SMALL, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(args=["import-data", str(source)])
    assert result.exit_code == 0 and "offerings: 新增 2" in result.output
    out = tmp_path / "out.json"
    assert runner.invoke(args=["export-data", str(out)]).exit_code == 0
    assert json.loads(out.read_text(encoding="utf-8"))["offerings"][0]["ref"] == "off-1"


def test_cli_import_reports_errors_and_commits_nothing(runner, db, tmp_path):
    bad = copy.deepcopy(SMALL)
    bad["offerings"][1]["kind"] = "robot"
    source = tmp_path / "bad.json"
    source.write_text(json.dumps(bad, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(args=["import-data", str(source)])
    assert result.exit_code == 1
    assert "offerings ref=off-2 kind" in result.output and "未导入任何记录" in result.output
    assert counts(db) == (0, 0, 0)
    source.write_text("{not json", encoding="utf-8")
    assert "无法读取 JSON" in runner.invoke(args=["import-data", str(source)]).output


def test_cli_import_refuses_absurd_numbers_by_ref_and_field(runner, db, tmp_path):
    """JSON reads 1e400 as infinity: refused like any other out-of-range number, with the shared message."""
    bad = copy.deepcopy(SMALL)
    bad["offerings"][0] |= {"price": {"amount": "PRICE", "unit": "day"}, "lead_time_days": "LEAD"}
    bad["offerings"][1] |= {"kind": "equipment", "quantity": 10**30}
    bad["demands"][0]["budget"] = {"max": "BUDGET"}
    text = json.dumps(bad, ensure_ascii=False)
    text = text.replace('"PRICE"', "1e308").replace('"LEAD"', "1e400").replace('"BUDGET"', "NaN")
    source = tmp_path / "absurd.json"
    source.write_text(text, encoding="utf-8")
    result = runner.invoke(args=["import-data", str(source)])
    assert result.exit_code == 1, result.output
    for line in (
        "offerings ref=off-1 price.amount: 价格应在 0 到 100 亿元之间。",
        "offerings ref=off-1 lead_time_days: 交付周期应为 0 到 3650 天之间的有效数字。",
        "offerings ref=off-2 quantity: 数量应在 1 到 10000 台/套之间。",
        "demands ref=dem-1 budget.max: 预算应为 0 到 100 亿元之间的有效数字。",
    ):
        assert line in result.output
    assert counts(db) == (0, 0, 0)


def test_imported_records_enter_their_workflows_with_an_audit_row(runner, db, tmp_path):
    from marketplace.core.models import AuditLog

    path = tmp_path / "small.json"
    path.write_text(json.dumps(SMALL, ensure_ascii=False), encoding="utf-8")
    assert runner.invoke(args=["import-data", str(path)]).exit_code == 0
    rows = db.session.scalars(select(AuditLog).order_by(AuditLog.id)).all()
    entered = {(r.object_type, r.old_state, r.new_state, r.reason) for r in rows}
    assert entered == {
        ("platform", None, "approved", "数据导入"),
        ("offering", None, "active", "数据导入"),
        ("demand", None, "open", "数据导入"),
    }
    assert len(rows) == len(SMALL["platforms"]) + len(SMALL["offerings"]) + len(SMALL["demands"])


def test_label_order_survives_save_load_export_and_import(db):
    document = copy.deepcopy(SMALL)
    document["platforms"][0] |= {
        "domains": ["高端化工", "生物医药"],
        "certifications": ["GMP", "ISO|9001", "CMA"],
    }
    document["demands"][0] |= {"kinds": ["service", "equipment"], "city_preference": ["济南", "青岛"]}
    services.import_document(document)
    db.session.commit()
    db.session.expire_all()
    exported = services.export_document()
    assert exported["platforms"][0]["domains"] == ["高端化工", "生物医药"]
    assert exported["platforms"][0]["certifications"] == ["GMP", "ISO|9001", "CMA"]
    assert exported["demands"][0]["city_preference"] == ["济南", "青岛"]
    assert json.loads(json.dumps(exported, ensure_ascii=False)) == exported

    assert services.import_document(copy.deepcopy(exported)).unchanged["platforms"] == 1
    exported["platforms"][0]["certifications"] = ["CMA", "GMP", "ISO|9001"]
    report = services.import_document(copy.deepcopy(exported))
    db.session.commit()
    db.session.expire_all()
    assert report.updated["platforms"] == 1 and report.unchanged["demands"] == 1
    assert services.export_document() == exported


@pytest.mark.parametrize(
    "section,index,mutate,field",
    [
        ("organizations", 0, lambda r: r.update(ref="org-\x001"), "ref"),
        ("organizations", 1, lambda r: r.update(name="济南\x00制药"), "name"),
        ("platforms", 0, lambda r: r["contact"].update(name="王\x00工"), "contact"),
        ("platforms", 0, lambda r: r.update(certifications=["GMP\x00"]), "certifications"),
        ("offerings", 0, lambda r: r.update(specs={"容积\x00": "500 L"}), "specs"),
        ("offerings", 1, lambda r: r.update(output="1 t\x00"), "output"),
        ("demands", 0, lambda r: r.update(city_preference=["青岛\x00"]), "city_preference"),
    ],
)
def test_nul_anywhere_in_a_record_is_refused_by_ref_and_field(db, section, index, mutate, field):
    document = copy.deepcopy(SMALL)
    mutate(document[section][index])
    with pytest.raises(services.ImportFailed) as failed:
        services.import_document(document)
    errors = [(e.section, e.field, e.message) for e in failed.value.errors if e.section == section]
    assert errors == [(section, field, "不能包含空字符（\\x00）。")]
    assert counts(db) == (0, 0, 0)


def test_a_record_created_meanwhile_is_named_instead_of_a_raw_integrity_error(app, db, monkeypatch):
    """Whatever slips past the import lock (another writer taking a ref since validation) is reported
    by ref, and nothing is imported."""
    from marketplace.accounts.models import Organization

    monkeypatch.setattr(services, "lock_for_transaction", lambda *args, **kwargs: None)
    db.session.commit()

    def someone_else_creates_org_2(_):
        if not getattr(someone_else_creates_org_2, "done", False):
            someone_else_creates_org_2.done = True
            with db.engine.begin() as connection:
                connection.execute(
                    Organization.__table__.insert().values(ref="org-2", name="他人", kind="enterprise")
                )

    with pytest.raises(services.ImportFailed) as failed:
        services.import_document(copy.deepcopy(SMALL), progress=someone_else_creates_org_2)
    assert [(e.section, e.ref, e.field) for e in failed.value.errors] == [("organizations", "org-2", "ref")]
    assert "另一次导入" in failed.value.errors[0].message
    assert counts(db) == (0, 0, 0)
    assert db.session.scalar(select(func.count(Organization.id))) == 1
