"""Import (validate everything, upsert by ref, all or nothing) and export of `zhongshi/v1` documents."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from .. import vocab
from ..accounts.models import Organization, credit_code_is_valid
from ..core import bulk
from ..core.errors import DomainError
from ..core.inputs import NUL_MESSAGE, has_nul
from ..core.labels import Labels
from ..core.locks import lock_for_transaction
from ..core.models import utcnow
from ..demands import services as demand_services
from ..demands.models import DEMAND_WORKFLOW, Demand, DemandStatus
from ..extensions import db
from ..matching import indexer, outbox, registry
from ..offerings import services as offering_services
from ..offerings.models import ALL_KIND_FIELDS, OFFERING_WORKFLOW, Offering, OfferingStatus
from ..platforms import services as platform_services
from ..platforms.models import PLATFORM_WORKFLOW, Platform, PlatformStatus

FORMAT = "zhongshi/v1"
SECTIONS = ("organizations", "platforms", "offerings", "demands")
#: Offering fields beyond the documented core, carried so export → import round-trips.
OFFERING_EXTRAS = ALL_KIND_FIELDS
PLATFORM_EXTRAS = ("capabilities", "address", "sharing_rules", "fee_standard")
#: Imports take this lock for their transaction: a second run waits for the first to commit.
IMPORT_LOCK = "interchange.import"


@dataclass(frozen=True)
class RecordError:
    section: str
    ref: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.section} ref={self.ref} {self.field}: {self.message}"


class ImportFailed(Exception):
    def __init__(self, errors: list[RecordError]):
        super().__init__(f"{len(errors)} invalid records")
        self.errors = errors


@dataclass
class ImportReport:
    created: dict[str, int]
    updated: dict[str, int]
    unchanged: dict[str, int]


def _date(value, field: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise DomainError((field, "日期应为 ISO 8601 格式（YYYY-MM-DD）。")) from exc


def _str(rec: dict, key: str, limit: int = 10000) -> str:
    value = rec.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise DomainError((key, "应为字符串。"))
    return value[:limit]


def _labels(rec: dict, key: str) -> list[str]:
    value = rec.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise DomainError((key, "应为字符串列表。"))
    return value


def _flag(rec: dict, key: str) -> bool:
    """An optional true/false field (absent: false)."""
    value = rec.get(key, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise DomainError((key, "应为 true 或 false。"))
    return value


def _number(value, field: str, *, integer: bool = False):
    """A JSON number as given (a whole float as int for integer fields); its bounds, finiteness
    included, are checked by the services' validate like every other number (core/numbers.py)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DomainError((field, "应为数字。"))
    if integer and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# --- record → model fields ---------------------------------------------------------------------


def organization_fields(rec: dict) -> dict:
    name = _str(rec, "name", 200).strip()
    kind = rec.get("kind", "enterprise")
    city = rec.get("city") or None
    code = (rec.get("credit_code") or "").strip().upper() or None
    errors = []
    if not name:
        errors.append(("name", "必填。"))
    if kind not in vocab.ORG_KINDS:
        errors.append(("kind", f"应为 {', '.join(vocab.ORG_KINDS)} 之一。"))
    if city and city not in vocab.ALL_CITIES:
        errors.append(("city", "不是有效的城市。"))
    if code and not credit_code_is_valid(code):
        errors.append(("credit_code", "统一社会信用代码校验失败（GB 32100-2015）。"))
    if errors:
        raise DomainError(*errors)
    return {"name": name, "kind": kind, "city": city, "credit_code": code}


def platform_fields(rec: dict) -> dict:
    contact = rec.get("contact") or {}
    if not isinstance(contact, dict):
        raise DomainError(("contact", "应为对象。"))
    data = {
        "name": _str(rec, "name", 200),
        "level": rec.get("level"),
        "city": rec.get("city"),
        "domains": _labels(rec, "domains"),
        "description": _str(rec, "description"),
        "certifications": _labels(rec, "certifications"),
        "contact_name": str(contact.get("name") or "")[:100],
        "contact_phone": str(contact.get("phone") or "")[:50],
        "contact_email": str(contact.get("email") or "")[:254],
        **{k: _str(rec, k) for k in PLATFORM_EXTRAS},
    }
    platform_services.validate(data)
    return data


def offering_fields(rec: dict) -> dict:
    price = rec.get("price") or {"negotiable": True}
    if not isinstance(price, dict):
        raise DomainError(("price", "应为对象。"))
    amount = None if price.get("negotiable") else _number(price.get("amount"), "price.amount")
    unit = None if amount is None else price.get("unit")
    if not price.get("negotiable") and amount is None:
        raise DomainError(("price", "应为 {amount, unit} 或 {negotiable: true}。"))
    specs = rec.get("specs") or {}
    if not isinstance(specs, dict):
        raise DomainError(("specs", "应为对象（名称 → 值）。"))
    data = {
        "kind": rec.get("kind"),
        "title": _str(rec, "title", 300),
        "description": _str(rec, "description"),
        "domains": _labels(rec, "domains"),
        "specs": {str(k)[:50]: str(v)[:200] for k, v in specs.items()},
        "price_amount": amount,
        "price_unit": unit,
        "lead_time_days": _number(rec.get("lead_time_days"), "lead_time_days", integer=True),
        "is_bookable": bool(rec.get("bookable", False)),
    }
    for key in OFFERING_EXTRAS:
        if key in rec:
            data[key] = rec[key]
    for key in ("quantity",):
        if key in data:
            data[key] = _number(data[key], key, integer=True)
    if "area_m2" in data:
        data["area_m2"] = _number(data["area_m2"], "area_m2")
    try:
        offering_services.validate(data)
    except DomainError as exc:
        raise DomainError(
            *[
                ("price.unit" if f == "price_unit" else "price.amount" if f == "price_amount" else f, m)
                for f, m in exc.errors
            ]
        ) from exc
    return data


def demand_fields(rec: dict) -> dict:
    budget = rec.get("budget") or {}
    window = rec.get("window") or {}
    if not isinstance(budget, dict):
        raise DomainError(("budget", "应为对象。"))
    if not isinstance(window, dict):
        raise DomainError(("window", "应为对象。"))
    data = {
        "title": _str(rec, "title", 300),
        "description": _str(rec, "description"),
        "domains": _labels(rec, "domains"),
        "kinds": _labels(rec, "kinds"),
        "trl": _number(rec.get("trl"), "trl", integer=True),
        "budget_max": _number(budget.get("max"), "budget.max"),
        "window_start": _date(window.get("start"), "window.start"),
        "window_end": _date(window.get("end"), "window.end"),
        "city_preference": _labels(rec, "city_preference"),
        "confidential_detail": _str(rec, "confidential_detail"),
        "is_anonymous": _flag(rec, "anonymous"),
    }
    data["deadline"] = _date(rec.get("deadline"), "deadline") or data["window_end"]
    try:
        demand_services.validate(data)
    except DomainError as exc:
        renames = {"budget_max": "budget.max", "window_end": "window.end"}
        raise DomainError(*[(renames.get(f, f), m) for f, m in exc.errors]) from exc
    return data


# --- import ------------------------------------------------------------------------------------

MODELS = {"organizations": Organization, "platforms": Platform, "offerings": Offering, "demands": Demand}
#: Each section's reference to its parent: (record key, parent section, column).
PARENTS = {
    "platforms": ("org_ref", "organizations", "org_id"),
    "offerings": ("platform_ref", "platforms", "platform_id"),
    "demands": ("org_ref", "organizations", "org_id"),
}
#: Records written per step: one executemany INSERT for the new ones (and their labels, audit rows and
#: outbox rows), one query loading the existing ones. Bounds the statements and the memory.
BATCH = 1000


def _existing(model, refs: list[str]) -> dict[str, int]:
    """{ref: id} of the rows among `refs` that exist."""
    found = {}
    for start in range(0, len(refs), 500):
        chunk = refs[start : start + 500]
        found.update(db.session.execute(select(model.ref, model.id).where(model.ref.in_(chunk))).all())
    return found


def _validate(document: dict) -> tuple[list[RecordError], dict[str, list[tuple[dict, dict]]]]:
    errors: list[RecordError] = []
    parsed: dict[str, list[tuple[dict, dict]]] = {s: [] for s in SECTIONS}
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        return [RecordError("document", "-", "format", f'应为 "{FORMAT}"。')], parsed
    builders: dict[str, Callable[[dict], dict]] = {
        "organizations": organization_fields,
        "platforms": platform_fields,
        "offerings": offering_fields,
        "demands": demand_fields,
    }
    refs_in_file: dict[str, set[str]] = {}
    for section in SECTIONS:
        records = document.get(section) or []
        if not isinstance(records, list):
            errors.append(RecordError(section, "-", section, "应为数组。"))
            continue
        seen: set[str] = set()
        for index, rec in enumerate(records):
            ref = rec.get("ref") if isinstance(rec, dict) else None
            label = ref if isinstance(ref, str) and ref else f"#{index + 1}"
            if not isinstance(rec, dict):
                errors.append(RecordError(section, label, "-", "记录应为对象。"))
                continue
            if not isinstance(ref, str) or not ref.strip() or len(ref) > 80:
                errors.append(RecordError(section, label, "ref", "必填，且不超过 80 个字符。"))
                continue
            if ref in seen:
                errors.append(RecordError(section, ref, "ref", "在文件中重复。"))
                continue
            seen.add(ref)
            if has_nul(rec):  # the shared input rule, for every field (nested ones named by their record key)
                nul_fields = [key for key, value in rec.items() if has_nul(key) or has_nul(value)]
                shown = ref.replace("\x00", "\\x00")
                errors.extend(
                    RecordError(section, shown, key.replace("\x00", ""), NUL_MESSAGE) for key in nul_fields
                )
                continue
            try:
                fields = builders[section](rec)
            except DomainError as exc:
                errors.extend(RecordError(section, ref, f, m) for f, m in exc.errors)
                continue
            parsed[section].append((rec, fields))
        refs_in_file[section] = seen
    for section, (key, parent_section, _column) in PARENTS.items():
        wanted = {rec.get(key) for rec, _ in parsed[section]}
        known = refs_in_file.get(parent_section, set()) | set(
            _existing(MODELS[parent_section], [r for r in wanted if isinstance(r, str)])
        )
        for rec, _ in parsed[section]:
            if rec.get(key) not in known:
                errors.append(RecordError(section, rec["ref"], key, f"引用的记录不存在：{rec.get(key)!r}。"))
    return errors, parsed


def _apply(obj, fields: dict) -> bool:
    changed = False
    for key, value in fields.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            changed = True
    return changed


def import_document(
    document: dict,
    progress: Callable[[int], None] | None = None,
    on_wait: Callable[[], None] | None = None,
) -> ImportReport:
    """Validate every record, then upsert all by ref in this transaction; the caller commits, then
    calls `index_imported(plan)` with the `index_plan(report)` made before.

    Takes the import lock first: an import running at the same time finishes before this one reads
    anything (`on_wait()` is called once when it has to wait; `LockTimeout` after IMPORT_LOCK_WAIT).
    Raises ImportFailed listing every bad record (by section, ref and field) and changes nothing;
    a record someone else created meanwhile (a unique key taken) is reported by ref too, after
    rolling the transaction back. `progress(n)` is called as each batch of n records is written.

    New records are written in batches of executemany INSERTs (with their labels, their workflow
    entry's audit rows and their search outbox rows); existing ones are loaded a batch at a time
    and updated through the ORM. A large import does not drain the index after its commit: the
    caller's `index_imported` indexes once (its outbox rows are the marker meanwhile)."""
    lock_for_transaction(IMPORT_LOCK, current_app.config["IMPORT_LOCK_WAIT"], on_wait)
    errors, parsed = _validate(document)
    if errors:
        raise ImportFailed(errors)
    if sum(len(parsed[s]) for s in IMPORTED_STATES) >= current_app.config["IMPORT_REBUILD_MIN_DOCUMENTS"]:
        indexer.defer_drain(db.session)
    report = ImportReport(
        created={s: 0 for s in SECTIONS}, updated={s: 0 for s in SECTIONS}, unchanged={s: 0 for s in SECTIONS}
    )
    ids: dict[str, dict[str, int]] = {}
    for section in SECTIONS:
        _import_section(section, parsed[section], ids, report, progress)
    return report


def _import_section(
    section: str,
    records: list[tuple[dict, dict]],
    ids: dict[str, dict[str, int]],
    report: ImportReport,
    progress: Callable[[int], None] | None,
) -> None:
    model = MODELS[section]
    existing = _existing(model, [rec["ref"] for rec, _ in records])
    ids[section] = dict(existing)
    if section in PARENTS:
        key, parent_section, column = PARENTS[section]
        parents = ids[parent_section]
        parents.update(_existing(MODELS[parent_section], sorted({r[key] for r, _ in records} - set(parents))))
        for rec, fields in records:
            fields[column] = parents[rec[key]]
    created: list[str] = []
    for start in range(0, len(records), BATCH):
        batch = records[start : start + BATCH]
        new = [(rec, fields) for rec, fields in batch if rec["ref"] not in existing]
        created.extend(rec["ref"] for rec, _ in new)
        if progress:
            progress(len(batch))
        try:
            _update(
                section, model, [(rec, fields) for rec, fields in batch if rec["ref"] in existing], report
            )
            ids[section].update(
                zip((rec["ref"] for rec, _ in new), _insert(section, model, new), strict=True)
            )
        except IntegrityError as exc:
            raise _conflict(section, model, created, exc) from exc
        report.created[section] += len(new)


def _update(section: str, model, records: list[tuple[dict, dict]], report: ImportReport) -> None:
    """Existing records: loaded in one query, changed through the ORM (labels, `updated_at`, the
    outbox rows of the flush) and counted as updated or unchanged."""
    if not records:
        return
    objs = {
        obj.ref: obj
        for obj in db.session.scalars(select(model).where(model.ref.in_([r["ref"] for r, _ in records])))
    }
    for rec, fields in records:
        if _apply(objs[rec["ref"]], fields):
            report.updated[section] += 1
        else:
            report.unchanged[section] += 1
    db.session.flush()


def _insert(section: str, model, records: list[tuple[dict, dict]]) -> list[int]:
    """New records in one executemany INSERT (then their ids, by ref), then their label rows,
    their entry into the workflow with its audit rows, and their search outbox rows."""
    if not records:
        return []
    table = model.__table__
    labels = {key: [] for key in records[0][1] if isinstance(getattr(model, key, None), Labels)}
    entry = {}
    if section in IMPORTED_STATES:
        workflow, state = IMPORTED_STATES[section]
        entry = workflow.entry_values(model, state)
    if section == "demands":
        entry["published_at"] = utcnow()
    rows = []
    for rec, fields in records:
        row = {"ref": rec["ref"], **entry}
        for key, value in fields.items():
            if key in labels:
                labels[key].append(value)
            else:
                row[key] = value
        rows.append(row)
    columns = set().union(*rows)
    for row in rows:  # one shape for every row of the statement; optional kind fields have no default
        for column in columns - row.keys():
            row[column] = None
    if db.session.get_bind().dialect.name == "postgresql":
        new_ids = bulk.insert_new(table, rows)  # one COPY, ids from the sequence first
    else:
        # executemany, then the ids by ref: RETURNING in parameter order costs SQLite a statement per row
        db.session.execute(insert(table), rows)
        found = _existing(model, [row["ref"] for row in rows])
        new_ids = [found[row["ref"]] for row in rows]
    outbox.mark_public(db.session)
    for key, lists in labels.items():
        getattr(model, key).insert_rows(zip(new_ids, lists, strict=True))
    if section in IMPORTED_STATES:
        workflow, state = IMPORTED_STATES[section]
        workflow.record_entries(new_ids, state, by=None, reason="数据导入")
        outbox.queue(db.session, [(model.__search_type__, obj_id) for obj_id in new_ids])
    return new_ids


def _conflict(section: str, model, refs: list[str], error: IntegrityError) -> ImportFailed:
    """A unique key taken by someone else since validation: roll back and name the records."""
    db.session.rollback()
    taken = sorted(_existing(model, refs))
    if taken:
        message = "已被同时进行的另一次导入或操作创建；未导入任何记录，请重新运行导入。"
        return ImportFailed([RecordError(section, ref, "ref", message) for ref in taken])
    detail = (
        str(error.orig).strip().splitlines()[-1] if str(error.orig).strip() else type(error.orig).__name__
    )
    return ImportFailed(
        [RecordError(section, "-", "-", f"与数据库中已有记录冲突：{detail}；未导入任何记录。")]
    )


#: The state a new imported record enters, through its workflow: platforms approved, offerings
#: active, demands open (organisations have no workflow). These are the search documents.
IMPORTED_STATES = {
    "platforms": (PLATFORM_WORKFLOW, PlatformStatus.APPROVED),
    "offerings": (OFFERING_WORKFLOW, OfferingStatus.ACTIVE),
    "demands": (DEMAND_WORKFLOW, DemandStatus.OPEN),
}


@dataclass(frozen=True)
class IndexPlan:
    """How the index catches up with an import: one rebuild of `documents`, or a drain of the
    outbox (the import's `documents` changes, and whatever else waits there)."""

    rebuild: bool
    documents: int


def index_plan(report: ImportReport) -> IndexPlan:
    """Call it before the import commits, so that the indexing follows the commit at once (a search
    arriving in between would start draining the import's outbox rows itself).

    Rebuild when the import wrote at least IMPORT_REBUILD_MIN_DOCUMENTS documents and at least a
    third of those the index holds; else drain. A drain writes documents in small committed batches
    (500 outbox rows) and costs about as much per document as a rebuild, more as the index grows,
    while a rebuild pays for every document of the database; below the floor a drain takes seconds
    anyway. Either covers the import's outbox rows; other hosts apply them by draining."""
    written = sum(report.created[s] + report.updated[s] for s in IMPORTED_STATES)
    if written >= current_app.config["IMPORT_REBUILD_MIN_DOCUMENTS"]:
        total = _document_count()
        if written * 3 >= total:
            return IndexPlan(rebuild=True, documents=total)
    return IndexPlan(rebuild=False, documents=written)


def index_imported(plan: IndexPlan, progress: Callable[[int], None] | None = None) -> int:
    """After the import's commit, bring this host's search index up to date once, as planned by
    `index_plan`. Returns the documents written (rebuild) or outbox rows applied (drain); raises
    IndexBusy when a rebuild cannot have the index's writer lock. `progress(n)` is told from time to
    time how many documents a rebuild has written so far."""
    app = current_app._get_current_object()
    if plan.rebuild:
        return indexer.rebuild(app, progress=progress)
    return indexer.drain(app, wait=app.config["IMPORT_DRAIN_WAIT"])


def _document_count() -> int:
    """Documents the index should hold: the public rows of every search source."""
    return sum(
        db.session.scalar(select(func.count()).select_from(source.model).where(source.public())) or 0
        for source in registry.sources()
    )


def record_count(document: dict) -> int:
    return sum(len(document.get(s) or []) for s in SECTIONS if isinstance(document.get(s), list))


# --- export ------------------------------------------------------------------------------------


def export_document() -> dict:
    """Every organisation, platform, offering and demand, in the import format."""
    orgs = db.session.scalars(select(Organization).order_by(Organization.id)).all()
    org_ref = {o.id: o.ref for o in orgs}
    platforms = db.session.scalars(select(Platform).order_by(Platform.id)).all()
    platform_ref = {p.id: p.ref for p in platforms}
    offerings = db.session.scalars(select(Offering).order_by(Offering.id)).all()
    demands = db.session.scalars(select(Demand).order_by(Demand.id)).all()

    def org(o):
        out = {"ref": o.ref, "name": o.name, "kind": o.kind, "city": o.city}
        if o.credit_code:
            out["credit_code"] = o.credit_code
        return out

    def platform(p):
        return {
            "ref": p.ref,
            "org_ref": org_ref[p.org_id],
            "name": p.name,
            "level": p.level,
            "city": p.city,
            "domains": p.domains,
            "description": p.description,
            "certifications": p.certifications,
            "contact": {"name": p.contact_name, "phone": p.contact_phone, "email": p.contact_email},
            **{k: getattr(p, k) for k in PLATFORM_EXTRAS},
        }

    def offering(o):
        price = (
            {"negotiable": True}
            if o.price_amount is None
            else {"amount": o.price_amount, "unit": o.price_unit}
        )
        out = {
            "ref": o.ref,
            "platform_ref": platform_ref[o.platform_id],
            "kind": o.kind,
            "title": o.title,
            "description": o.description,
            "specs": o.specs,
            "domains": o.domains,
            "price": price,
            "lead_time_days": o.lead_time_days,
            "bookable": o.is_bookable,
        }
        out.update({k: getattr(o, k) for k in OFFERING_EXTRAS if getattr(o, k) is not None})
        return out

    def demand(d):
        out = {
            "ref": d.ref,
            "org_ref": org_ref[d.org_id],
            "title": d.title,
            "description": d.description,
            "domains": d.domains,
            "kinds": d.kinds,
            "trl": d.trl,
            "city_preference": d.city_preference,
        }
        if d.budget_max is not None:
            out["budget"] = {"max": d.budget_max}
        window = {k: v.isoformat() for k, v in (("start", d.window_start), ("end", d.window_end)) if v}
        if window:
            out["window"] = window
        if d.deadline and d.deadline != d.window_end:
            out["deadline"] = d.deadline.isoformat()
        if d.confidential_detail:
            out["confidential_detail"] = d.confidential_detail
        if d.is_anonymous:
            out["anonymous"] = True
        return out

    return {
        "format": FORMAT,
        "organizations": [org(o) for o in orgs],
        "platforms": [platform(p) for p in platforms],
        "offerings": [offering(o) for o in offerings],
        "demands": [demand(d) for d in demands],
    }
