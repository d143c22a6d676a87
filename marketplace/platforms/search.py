"""Approved platforms are search documents."""

from __future__ import annotations

from flask import url_for

from ..matching import analysis
from ..matching.documents import base_fields, stamp
from ..matching.registry import DocumentSource, register
from .models import Platform


def platform_document(p: Platform) -> dict:
    certs = " ".join(p.certifications)
    return {
        **base_fields(
            "platform",
            p.id,
            title=p.name,
            specs=p.capabilities or "",
            body=p.description or "",
            context=certs,
            version=stamp(p.updated_at),
            created=int(p.created_at.timestamp()),
            ref=p.ref,
        ),
        "domain": ",".join(p.domains),
        "city": p.city,
        "level": p.level,
        "certs": ",".join(sorted(analysis.certifications(certs))),
        "platform_id": p.id,
        "platform_name": p.name,
    }


register(
    DocumentSource(
        doc_type="platform",
        model=Platform,
        public=lambda: Platform.is_public,
        build=platform_document,
        label="平台",
        url=lambda obj_id: url_for("platforms.review", platform_id=obj_id),
    )
)
