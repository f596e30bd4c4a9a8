"""Checking and cleaning uploaded pictures: one place for every form that takes one."""

from io import BytesIO

from django import forms
from django.core.files.uploadedfile import InMemoryUploadedFile, UploadedFile
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000  # refuse decompression bombs long before Pillow's own limit
IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


def image_clean(upload: UploadedFile, *, max_side: int | None = None) -> InMemoryUploadedFile:
    """A re-encoded copy of an uploaded JPEG, PNG or WebP picture, or a ValidationError.

    Re-encoding drops EXIF (where a photo was taken, with which camera) and
    anything else hidden in the file; `max_side` also scales big photos down.
    """
    if upload.size > MAX_IMAGE_BYTES:
        raise forms.ValidationError(_("The image is larger than 5 MB."))
    try:
        with Image.open(upload) as probe:
            kind = probe.format
            width, height = probe.size
            probe.verify()
        if kind not in IMAGE_FORMATS:
            raise forms.ValidationError(_("Upload a JPEG, PNG or WebP picture."))
        if width * height > MAX_PIXELS:
            raise forms.ValidationError(_("The image has too many pixels."))
        upload.seek(0)
        with Image.open(upload) as image:
            clean = image.convert("RGB") if kind == "JPEG" else image.copy()
        if max_side and max(clean.size) > max_side:
            clean.thumbnail((max_side, max_side))
        buffer = BytesIO()
        clean.save(buffer, format=kind)  # no exif= argument: none is written
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise forms.ValidationError(_("This file is not a picture we can read.")) from None
    name = f"{slugify(upload.name.rsplit('.', 1)[0])[:60] or 'image'}.{kind.lower()}"
    return InMemoryUploadedFile(buffer, "image", name, IMAGE_FORMATS[kind], buffer.tell(), None)
