"""Attachments: one upload, download and delete path for every owner, access decided by the owner."""

import io
import logging
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from marketplace.attachments import services
from marketplace.attachments.models import Attachment
from marketplace.core.errors import DomainError
from tests import factories

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%test\n"


class World:
    """An offering run by `operator`, a demand posted by `firm`, and everybody else."""

    def __init__(
        self, db, offering: dict | None = None, platform: dict | None = None, demand: dict | None = None
    ):
        self.operator = factories.UserFactory(role="operator")
        own_platform = factories.PlatformFactory(organization=self.operator.organization, **(platform or {}))
        self.offering = factories.OfferingFactory(platform=own_platform, **(offering or {}))
        self.firm = factories.UserFactory(role="firm")
        self.demand = factories.DemandFactory(organization=self.firm.organization, **(demand or {}))
        contacted = factories.PlatformFactory()
        factories.DemandContactFactory(demand=self.demand, platform=contacted)
        self.users = {
            "anonymous": None,
            "other firm": factories.UserFactory(role="firm"),
            "other operator": factories.UserFactory(role="operator"),
            "contacted operator": factories.UserFactory(role="operator", organization=contacted.organization),
            "admin": factories.UserFactory(role="admin"),
            "offering operator": self.operator,
            "demand firm": self.firm,
        }
        db.session.commit()

    def owner(self, owner_type: str):
        return self.offering if owner_type == "offering" else self.demand

    def manager(self, owner_type: str):
        return self.operator if owner_type == "offering" else self.firm


@pytest.fixture
def world(db):
    return World(db)


def upload_dir(app) -> Path:
    return Path(app.config["UPLOAD_DIR"])


def stored_files(app) -> list[str]:
    return sorted(p.name for p in upload_dir(app).glob("*")) if upload_dir(app).exists() else []


def upload(client, owner, data: bytes, name: str, **extra):
    return client.post(
        f"/attachments/{owner.__attachment_owner__}/{owner.id}",
        data={"file": (io.BytesIO(data), name), **extra},
        content_type="multipart/form-data",
    )


def login(auth, client, user):
    if user is None:
        auth.logout()
    else:
        auth.as_(user)


def add(owner, user, data: bytes = PNG, name: str = "photo.png") -> Attachment:
    """Upload through the service, in the test's own session."""
    return services.add_attachment(user, owner, FileStorage(io.BytesIO(data), filename=name))


OWNER_PAGES = {"offering": "/my/offerings/{id}", "demand": "/demands/{id}"}


@pytest.mark.parametrize("owner_type", ["offering", "demand"])
def test_manager_uploads_sees_and_deletes_files(app, client, auth, db, world, owner_type):
    owner, manager = world.owner(owner_type), world.manager(owner_type)
    page = OWNER_PAGES[owner_type].format(id=owner.id)
    auth.as_(manager)
    response = upload(client, owner, PNG, "../照片.png")
    assert response.status_code == 302 and response.headers["Location"].endswith(page)
    upload(client, owner, PDF, "manual.pdf")

    image, pdf = db.session.scalars(select(Attachment).order_by(Attachment.id)).all()
    assert (image.owner_type, image.owner_id, image.uploaded_by_id) == (owner_type, owner.id, manager.id)
    assert image.filename == "照片.png" and image.content_type == "image/png" and image.size == len(PNG)
    assert image.stored_name.endswith(".png") and pdf.stored_name.endswith(".pdf")
    assert stored_files(app) == sorted([image.stored_name, pdf.stored_name])
    assert [a.id for a in owner.attachments] == [image.id, pdf.id]

    html = client.get(page).get_data(as_text=True)
    assert "附件已上传" in html and "照片.png" in html and f"/attachments/{pdf.id}/delete" in html

    served = client.get(f"/attachments/{image.id}")
    assert served.status_code == 200 and served.data == PNG and served.mimetype == "image/png"
    assert "attachment" not in served.headers.get("Content-Disposition", "")
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    served_pdf = client.get(f"/attachments/{pdf.id}")
    assert served_pdf.headers["Content-Disposition"].startswith("attachment") and served_pdf.data == PDF

    image_id, pdf_id, pdf_stored = image.id, pdf.id, pdf.stored_name
    response = client.post(f"/attachments/{image_id}/delete", follow_redirects=True)
    assert response.request.path == page and "附件已删除" in response.get_data(as_text=True)
    assert db.session.scalars(select(Attachment.id)).all() == [pdf_id]
    assert stored_files(app) == [pdf_stored]
    assert client.get(f"/attachments/{image_id}").status_code == 404


#: Who may download a file: public offerings for everyone, hidden ones (paused, held, on a platform
#: that is not approved) for their operator and administrators; a demand's confidential files for
#: the firm, contacted platforms and administrators while the demand is open, and once it is closed
#: (withdrawn, expired, fulfilled) only where its page is still shown: the firm and administrators.
HIDDEN = ("admin", "offering operator")
CONFIDENTIAL = ("contacted operator", "admin", "demand firm")
CLOSED = ("admin", "demand firm")
ACCESS = {
    "public offering": (
        {},
        HIDDEN + ("anonymous", "other firm", "other operator", "contacted operator", "demand firm"),
    ),
    "paused offering": ({"offering": {"status": "paused"}}, HIDDEN),
    "held offering": ({"offering": {"status": "held"}}, HIDDEN),
    "offering of a submitted platform": ({"platform": {"status": "submitted"}}, HIDDEN),
    "offering of a suspended platform": ({"platform": {"status": "suspended"}}, HIDDEN),
    "open demand": ({}, CONFIDENTIAL),
    "withdrawn demand": ({"demand": {"status": "withdrawn"}}, CLOSED),
    "expired demand": ({"demand": {"status": "expired"}}, CLOSED),
    "demand past its deadline": ({"demand": {"deadline": date(2020, 1, 1)}}, CLOSED),
    "fulfilled demand": ({"demand": {"status": "fulfilled"}}, CLOSED),
    "draft demand": ({"demand": {"status": "draft"}}, CLOSED),
}
ACTORS = (
    "anonymous",
    "other firm",
    "other operator",
    "contacted operator",
    "admin",
    "offering operator",
    "demand firm",
)


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("case", list(ACCESS))
def test_who_may_download(client, auth, db, case, actor):
    """Files follow their owner's rules: whoever gets 404 for the page gets 404 for its files."""
    setup, allowed = ACCESS[case]
    world = World(db, **setup)
    owner = world.demand if "demand" in case else world.offering
    attachment = factories.AttachmentFactory(owner=owner)
    db.session.commit()
    path = Path(client.application.config["UPLOAD_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    (path / attachment.stored_name).write_bytes(PNG)
    login(auth, client, world.users[actor])
    served = client.get(f"/attachments/{attachment.id}").status_code
    assert served == (200 if actor in allowed else 404)
    if served == 200:  # never a file of a page that answers 404
        page = f"/demands/{owner.id}" if "demand" in case else f"/offerings/{owner.id}"
        assert client.get(page).status_code == 200


@pytest.mark.parametrize("actor", ["other firm", "other operator", "contacted operator", "admin"])
@pytest.mark.parametrize("owner_type", ["offering", "demand"])
def test_only_the_owners_manager_uploads_and_deletes(app, client, auth, db, world, owner_type, actor):
    owner = world.owner(owner_type)
    attachment = add(owner, world.manager(owner_type))
    db.session.commit()
    auth.as_(world.users[actor])
    assert upload(client, owner, PNG, "x.png").status_code == 404
    assert client.post(f"/attachments/{attachment.id}/delete").status_code == 404
    assert db.session.scalars(select(Attachment.id)).all() == [attachment.id]
    assert stored_files(app) == [attachment.stored_name]


def test_anonymous_users_are_sent_to_log_in(client, db, world):
    attachment = factories.AttachmentFactory(owner=world.offering)
    db.session.commit()
    assert "/account/login" in upload(client, world.offering, PNG, "x.png").headers["Location"]
    assert "/account/login" in client.post(f"/attachments/{attachment.id}/delete").headers["Location"]
    assert db.session.scalar(select(Attachment.id)) == attachment.id


def test_refusals_and_unknown_files_are_404_and_logged(client, auth, db, world, caplog):
    attachment = factories.AttachmentFactory(owner=world.demand)
    db.session.commit()
    caplog.set_level(logging.WARNING, logger="marketplace")
    assert client.get(f"/attachments/{attachment.id}").status_code == 404
    assert client.get("/attachments/999999").status_code == 404
    auth.as_(world.firm)
    assert client.post(f"/attachments/booking/{world.demand.id}", data={}).status_code == 404
    refusals = [r for r in caplog.records if r.name == "marketplace.auth" and "refused" in r.getMessage()]
    assert [r.getMessage().split("path=")[1] for r in refusals] == [
        f"/attachments/{attachment.id}",
        "/attachments/999999",
        f"/attachments/booking/{world.demand.id}",
    ]


def test_a_missing_stored_file_is_404_and_logged(client, auth, db, world, caplog):
    attachment = factories.AttachmentFactory(owner=world.offering)  # the factory writes no file
    db.session.commit()
    caplog.set_level(logging.WARNING, logger="marketplace")
    assert client.get(f"/attachments/{attachment.id}").status_code == 404
    assert any("stored file missing" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    "data,name,message",
    [
        (b"<script>alert(1)</script>", "evil.png", "只支持 PNG、JPEG、WebP 图片和 PDF 文件"),
        (b"GIF89a" + b"\x00" * 32, "anim.gif", "只支持 PNG、JPEG、WebP 图片和 PDF 文件"),
        (PNG + b"\x00" * (8 * 1024 * 1024), "big.png", "文件过大（单个文件不超过 8 MB）"),
        (b"", "empty.pdf", "请选择要上传的文件"),
    ],
)
@pytest.mark.parametrize("owner_type", ["offering", "demand"])
def test_content_is_checked_before_anything_is_stored(
    app, client, auth, db, world, owner_type, data, name, message
):
    owner = world.owner(owner_type)
    auth.as_(world.manager(owner_type))
    response = upload(client, owner, data, name)
    assert response.status_code == 302
    assert message in client.get(response.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(select(Attachment.id)) is None
    assert stored_files(app) == []


def test_webp_and_jpeg_are_recognised_by_content(client, auth, db, world):
    auth.as_(world.operator)
    upload(client, world.offering, b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"\x00" * 16, "a.bin")
    upload(client, world.offering, b"\xff\xd8\xff\xe0" + b"\x00" * 16, "b")
    webp, jpeg = db.session.scalars(select(Attachment).order_by(Attachment.id))
    assert webp.content_type == "image/webp" and webp.stored_name.endswith(".webp")
    assert jpeg.content_type == "image/jpeg" and jpeg.stored_name.endswith(".jpg")


def test_owner_pages_offer_the_upload_form_only_to_managers(client, auth, db, world):
    factories.AttachmentFactory(owner=world.demand, filename="spec.pdf", content_type="application/pdf")
    db.session.commit()
    auth.as_(world.firm)
    html = client.get(f"/demands/{world.demand.id}").get_data(as_text=True)
    assert (
        f'action="/attachments/demand/{world.demand.id}"' in html
        and "保密附件（图片或 PDF，不超过 8 MB）" in html
    )
    assert "/delete" in html
    auth.as_(world.users["contacted operator"])
    html = client.get(f"/demands/{world.demand.id}").get_data(as_text=True)
    assert "spec.pdf" in html and "/attachments/demand/" not in html and "/delete" not in html
    auth.as_(world.operator)
    html = client.get(f"/my/offerings/{world.offering.id}").get_data(as_text=True)
    assert (
        f'action="/attachments/offering/{world.offering.id}"' in html
        and "上传图片或 PDF（单个不超过 8 MB）" in html
    )


@pytest.mark.parametrize("owner_type", ["offering", "demand"])
def test_upload_and_delete_need_the_csrf_token(app, client, auth, db, world, owner_type):
    owner = world.owner(owner_type)
    attachment = add(owner, world.manager(owner_type))
    db.session.commit()
    auth.as_(world.manager(owner_type))
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        page = client.get(OWNER_PAGES[owner_type].format(id=owner.id)).get_data(as_text=True)
        upload_form = page[page.index(f'action="/attachments/{owner_type}/') :]
        delete_form = page[page.index(f'action="/attachments/{attachment.id}/delete"') :]
        assert 'name="csrf_token"' in upload_form[:500] and 'name="csrf_token"' in delete_form[:200]
        refused = upload(client, owner, PNG, "x.png")
        assert refused.status_code == 400 and "表单已过期" in refused.get_data(as_text=True)
        assert client.post(f"/attachments/{attachment.id}/delete").status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert db.session.scalars(select(Attachment.id)).all() == [attachment.id]
    assert stored_files(app) == [attachment.stored_name]


@pytest.mark.parametrize("owner_type", ["offering", "demand"])
def test_deleting_the_owner_removes_rows_and_files_after_the_commit(app, db, world, owner_type):
    owner = world.owner(owner_type)
    kept = add(
        world.owner("demand" if owner_type == "offering" else "offering"),
        world.manager("demand" if owner_type == "offering" else "offering"),
    )
    first, second = add(owner, world.manager(owner_type)), add(owner, world.manager(owner_type), PDF, "a.pdf")
    db.session.commit()
    doomed = {first.stored_name, second.stored_name}

    db.session.delete(owner)
    db.session.flush()
    assert set(stored_files(app)) == doomed | {kept.stored_name}  # not before the commit
    db.session.rollback()
    assert set(stored_files(app)) == doomed | {kept.stored_name}  # a rollback keeps them

    db.session.delete(db.session.merge(owner))
    db.session.commit()
    assert db.session.scalars(select(Attachment.stored_name)).all() == [kept.stored_name]
    assert stored_files(app) == [kept.stored_name]


def test_a_rolled_back_upload_leaves_no_row_and_no_file(app, db, world):
    add(world.offering, world.operator)
    assert len(stored_files(app)) == 1
    db.session.rollback()
    assert db.session.scalar(select(Attachment.id)) is None
    assert stored_files(app) == []
    add(world.demand, world.firm)
    db.session.close()  # a request that ends without committing
    assert stored_files(app) == []


def test_a_committed_upload_keeps_its_file_after_later_rollbacks(app, db, world):
    stored_name = add(world.offering, world.operator).stored_name
    db.session.commit()
    db.session.rollback()
    db.session.close()
    assert stored_files(app) == [stored_name]


def test_purposes_are_those_the_owner_registers(app, db, world):
    with pytest.raises(DomainError) as refused:
        file = FileStorage(io.BytesIO(PNG), filename="x.png")
        services.add_attachment(world.operator, world.offering, file, purpose="logo")
    assert refused.value.errors == [("purpose", "附件用途无效。")]
    assert stored_files(app) == []


def test_factory_builds_attachments_for_any_owner(db, world):
    attachment = factories.AttachmentFactory(owner=world.demand)
    db.session.commit()
    assert (attachment.owner_type, attachment.owner) == ("demand", world.demand)
    assert world.demand.attachments == [attachment] and world.offering.attachments == []


def test_the_id_of_a_deleted_file_is_never_given_to_another(client, auth, db, operator_user):
    """Found by a first-time user: after deleting /attachments/2 (a public PDF), the id went to a
    confidential demand file, so the old link pointed at another file."""
    offering = factories.OfferingFactory(
        platform=factories.PlatformFactory(organization=operator_user.organization)
    )
    first = factories.AttachmentFactory(owner=offering)
    db.session.commit()
    old_id = first.id
    db.session.delete(first)
    db.session.commit()
    second = factories.AttachmentFactory(owner=factories.DemandFactory())
    db.session.commit()
    assert second.id != old_id
