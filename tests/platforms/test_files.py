"""A platform's logo, photos and certificate scans (the shared attachments with purposes): who uploads
and sees them, and where they are shown."""

import io
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from marketplace.attachments.models import Attachment
from tests import factories

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PDF = b"%PDF-1.4\n%scan\n"


def upload(client, platform, data: bytes, name: str, purpose: str | None):
    form = {"file": (io.BytesIO(data), name)}
    if purpose:
        form["purpose"] = purpose
    return client.post(f"/attachments/platform/{platform.id}", data=form, content_type="multipart/form-data")


def stored_files(app) -> set[str]:
    folder = Path(app.config["UPLOAD_DIR"])
    return {p.name for p in folder.glob("*")} if folder.exists() else set()


def files(db, purpose: str) -> list[Attachment]:
    return list(
        db.session.scalars(select(Attachment).where(Attachment.purpose == purpose).order_by(Attachment.id))
    )


class World:
    def __init__(self, db, status: str = "approved"):
        self.operator = factories.UserFactory(role="operator")
        self.platform = factories.PlatformFactory(
            organization=self.operator.organization, status=status, name="青岛海洋生物发酵中试平台"
        )
        self.users = {
            "anonymous": None,
            "firm": factories.UserFactory(role="firm"),
            "other operator": factories.UserFactory(role="operator"),
            "expert": factories.UserFactory(role="expert"),
            "operator": self.operator,
            "admin": factories.UserFactory(role="admin"),
        }
        db.session.commit()


def login(auth, user):
    if user is None:
        auth.logout()
    else:
        auth.as_(user)


def test_operator_uploads_logo_photos_and_certificates_from_the_platform_page(app, client, auth, db):
    world = World(db)
    auth.as_(world.operator)
    page = client.get(f"/my/platforms/{world.platform.id}").get_data(as_text=True)
    for purpose in ("logo", "photo", "certificate"):
        assert f'name="purpose" value="{purpose}"' in page
    assert "仅本平台运营方和主管部门审核时可见" in page

    response = upload(client, world.platform, PNG, "logo.png", "logo")
    assert response.headers["Location"].endswith(f"/my/platforms/{world.platform.id}")
    upload(client, world.platform, JPEG, "车间.jpg", "photo")
    upload(client, world.platform, PNG, "洁净区.png", "photo")
    upload(client, world.platform, PDF, "CNAS证书.pdf", "certificate")
    assert [a.filename for a in files(db, "logo")] == ["logo.png"]
    assert [a.filename for a in files(db, "photo")] == ["车间.jpg", "洁净区.png"]
    assert [a.filename for a in files(db, "certificate")] == ["CNAS证书.pdf"]
    page = client.get(f"/my/platforms/{world.platform.id}").get_data(as_text=True)
    for name in ("logo.png", "车间.jpg", "洁净区.png", "CNAS证书.pdf"):
        assert name in page


def test_a_new_logo_replaces_the_old_one_and_its_file(app, client, auth, db):
    world = World(db)
    auth.as_(world.operator)
    upload(client, world.platform, PNG, "old.png", "logo")
    (old,) = files(db, "logo")
    old_name = old.stored_name
    upload(client, world.platform, JPEG, "new.jpg", "logo")
    (new,) = files(db, "logo")
    assert new.filename == "new.jpg"
    assert old_name not in stored_files(app) and new.stored_name in stored_files(app)


@pytest.mark.parametrize(
    "data,name,purpose,message",
    [
        (PDF, "logo.pdf", "logo", "这里只能上传 PNG、JPEG 或 WebP 图片"),
        (PDF, "photo.pdf", "photo", "这里只能上传 PNG、JPEG 或 WebP 图片"),
        (PNG, "x.png", None, "附件用途无效"),
        (PNG, "x.png", "evidence", "附件用途无效"),
    ],
)
def test_logos_and_photos_are_images_and_every_file_names_its_purpose(
    app, client, auth, db, data, name, purpose, message
):
    world = World(db)
    auth.as_(world.operator)
    response = upload(client, world.platform, data, name, purpose)
    assert message in client.get(response.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(select(Attachment.id)) is None and stored_files(app) == set()


def test_only_the_platforms_operators_upload_and_not_during_review(client, auth, db):
    world = World(db)
    for actor in ("firm", "other operator", "expert", "admin"):
        auth.as_(world.users[actor])
        assert upload(client, world.platform, PNG, "x.png", "photo").status_code == 404, actor
    submitted = World(db, status="submitted")
    auth.as_(submitted.operator)
    assert upload(client, submitted.platform, PNG, "x.png", "photo").status_code == 404
    page = client.get(f"/my/platforms/{submitted.platform.id}").get_data(as_text=True)
    assert "/attachments/platform/" not in page and "审核期间不能更换图片和证书" in page
    assert db.session.scalar(select(Attachment.id)) is None


#: Who downloads what: logo and photos with the platform (public once approved), certificates only
#: for the platform's operators and administrators.
ACCESS = {
    ("approved", "logo"): {"anonymous", "firm", "other operator", "expert", "operator", "admin"},
    ("approved", "photo"): {"anonymous", "firm", "other operator", "expert", "operator", "admin"},
    ("approved", "certificate"): {"operator", "admin"},
    ("draft", "logo"): {"operator", "admin"},
    ("draft", "photo"): {"operator", "admin"},
    ("draft", "certificate"): {"operator", "admin"},
}


@pytest.mark.parametrize("status,purpose", list(ACCESS))
def test_who_may_download_a_platforms_files(client, auth, db, status, purpose):
    world = World(db, status=status)
    attachment = factories.AttachmentFactory(owner=world.platform, purpose=purpose)
    db.session.commit()
    folder = Path(client.application.config["UPLOAD_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / attachment.stored_name).write_bytes(PNG)
    for actor, user in world.users.items():
        login(auth, user)
        expected = 200 if actor in ACCESS[(status, purpose)] else 404
        assert client.get(f"/attachments/{attachment.id}").status_code == expected, actor


def image_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<img[^>]*src="/attachments/(\d+)"', html)]


def test_cards_and_pages_show_logo_and_photos_never_certificates(client, db):
    world = World(db)
    logo = factories.AttachmentFactory(owner=world.platform, purpose="logo", filename="logo.png")
    photo = factories.AttachmentFactory(owner=world.platform, purpose="photo", filename="车间.png")
    certificate = factories.AttachmentFactory(
        owner=world.platform, purpose="certificate", filename="CNAS.png"
    )
    offering = factories.OfferingFactory(platform=world.platform, title="500 L 发酵罐")
    offering_photo = factories.AttachmentFactory(owner=offering, filename="罐体.png")
    bare = factories.OfferingFactory(platform=world.platform, title="无照片的层析系统")
    db.session.commit()

    cards = client.get("/platforms").get_data(as_text=True)
    assert photo.id in image_ids(cards) and certificate.id not in image_ids(cards)
    detail = client.get(f"/platforms/{world.platform.id}").get_data(as_text=True)
    assert {logo.id, photo.id, offering_photo.id} <= set(image_ids(detail))
    assert f"/attachments/{certificate.id}" not in detail and "CNAS.png" not in detail

    offerings = client.get("/offerings").get_data(as_text=True)
    assert offering_photo.id in image_ids(offerings) and logo.id in image_ids(offerings)
    assert f"/attachments/{certificate.id}" not in offerings
    page = client.get(f"/offerings/{offering.id}").get_data(as_text=True)
    assert offering_photo.id in image_ids(page) and logo.id in image_ids(page)
    assert image_ids(client.get(f"/offerings/{bare.id}").get_data(as_text=True)) == [logo.id]


def test_a_platform_without_photos_shows_its_logo_on_its_card(client, db):
    world = World(db)
    logo = factories.AttachmentFactory(owner=world.platform, purpose="logo")
    db.session.commit()
    assert image_ids(client.get("/platforms").get_data(as_text=True)) == [logo.id]


def test_administrators_see_the_certificate_scans_on_the_review_page(client, auth, db):
    world = World(db, status="submitted")
    scan = factories.AttachmentFactory(
        owner=world.platform,
        purpose="certificate",
        filename="CNAS认可证书.pdf",
        content_type="application/pdf",
    )
    db.session.commit()
    auth.as_(world.users["admin"])
    page = client.get(f"/admin/platforms/{world.platform.id}").get_data(as_text=True)
    section = page[page.index("资质证书扫描件") :]
    assert "CNAS认可证书.pdf" in section and f'href="/attachments/{scan.id}"' in section
