"""When the demo's yearly work happened: moments of a calendar year's months, moved into the past, and
the experts who took part, shared by the typical cases (`cases.py`) and the evaluation
(`evaluation.py`)."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, datetime, timedelta

from sqlalchemy import select

from ..accounts.models import Organization, Role, User
from ..core.timeutil import clock_at, local_zone, to_local
from ..extensions import db


class Timeline:
    """Moments of `year` between two nominal dates, as they happened: when seeding runs before the
    last of them (early in the year), the whole span is squeezed, in order, between its first moment
    and shortly before now, so history never happens in the future."""

    def __init__(self, year: int, first: tuple[int, int], last: tuple[int, int], now: datetime):
        zone = local_zone()
        self.year = year
        self.nominal_start = datetime(year, *first, 9, tzinfo=zone)
        self.nominal_end = datetime(year, *last, 18, tzinfo=zone)
        self.start, self.end = self.nominal_start, min(self.nominal_end, now - timedelta(hours=6))
        if self.end <= self.start:  # the first days of the span: an hour apart at most
            self.start, self.end = now - timedelta(days=2), now - timedelta(hours=1)

    def at(self, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
        nominal = datetime(self.year, month, day, hour, minute, tzinfo=local_zone())
        share = (nominal - self.nominal_start) / (self.nominal_end - self.nominal_start)
        return self.start + (self.end - self.start) * min(max(share, 0.0), 1.0)

    def day(self, month: int, day: int) -> date:
        """The local date of that day (a deadline)."""
        return to_local(self.at(month, day, 12)).date()


def step(moment: datetime, action: Callable[[], object]):
    """Run `action` with the clock at `moment` and write its rows then (their times are the moment's)."""
    with clock_at(moment):
        result = action()
        db.session.flush()
    return result


def user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


# ---------------------------------------------------------------- experts

#: Organisations of the experts besides the one of expert@demo.cn (ref demo-expert-org).
EXPERT_ORGS = [
    ("demo-expert-org-2", "青岛某大学科学技术研究院", "university", "青岛"),
    ("demo-expert-org-3", "山东某工程咨询研究院", "institute", "济南"),
]
#: (email, name, organisation ref, phone). 赵立新 works at the institute of platform demo-plat-013,
#: which the conflict rule keeps him from scoring.
EXPERTS = [
    ("expert-wang@demo.cn", "王建华", "demo-expert-org", "0531-88396021"),
    ("expert-li@demo.cn", "李文涛", "demo-expert-org-2", "0532-85901137"),
    ("expert-chen@demo.cn", "陈雪梅", "demo-expert-org-2", "0532-85901152"),
    ("expert-zhang@demo.cn", "张振国", "demo-expert-org-3", "0531-86125573"),
    ("expert-liu@demo.cn", "刘晓燕", "demo-expert-org-3", "0531-86125580"),
    ("expert-zhao@demo.cn", "赵立新", "demo-org-013", "0532-80977265"),
]


def seed_experts() -> list[User]:
    """The experts' organisations and accounts (they share expert@demo.cn's password hash); every
    expert, expert@demo.cn first."""
    template = user("expert@demo.cn")
    template.phone = template.phone or "0531-88396008"
    orgs = {o.ref: o for o in db.session.scalars(select(Organization))}
    for ref, name, kind, city in EXPERT_ORGS:
        orgs[ref] = Organization(ref=ref, name=name, kind=kind, city=city)
        db.session.add(orgs[ref])
    people = [template]
    for email, name, org_ref, phone in EXPERTS:
        person = User(
            email=email,
            name=name,
            role=Role.EXPERT,
            organization=orgs[org_ref],
            password_hash=template.password_hash,
            phone=phone,
        )
        db.session.add(person)
        people.append(person)
    db.session.flush()
    return people


# ---------------------------------------------------------------- evidence files


class Upload(io.BytesIO):
    """A file as the attachments service reads an upload (`.filename`, `.read()`)."""

    def __init__(self, data: bytes, filename: str):
        super().__init__(data)
        self.filename = filename


def pdf(lines: list[str]) -> bytes:
    """A one-page A4 PDF of these lines (Chinese in the standard STSong-Light font, which PDF viewers
    carry), small and valid: the evidence files of the demo's self-reports."""
    text = ["BT", "/F1 18 Tf", "56 780 Td", f"<{lines[0].encode('utf-16-be').hex()}> Tj", "/F1 11 Tf"]
    for line in lines[1:]:
        text += ["0 -24 Td", f"<{line.encode('utf-16-be').hex()}> Tj"]
    content = "\n".join([*text, "ET"]).encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H "
        b"/DescendantFonts [6 0 R] >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo "
        b"<< /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> /FontDescriptor 7 0 R >>",
        b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] "
        b"/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
