"""ddasum.forms.MultipleFileField: several files from one input, checked by content when asked."""
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.datastructures import MultiValueDict

from ddasum.forms import MultipleFileField
from ddasum.uploads import JPEG, PDF, PNG, CleanUpload
from tests.factories import image_bytes, pdf_bytes


class PlainForm(forms.Form):
    files = MultipleFileField(required=False, accept="image/png")


class CheckedForm(forms.Form):
    files = MultipleFileField(required=False, allowed=(PDF, PNG), max_files=2)


class PhotoForm(forms.Form):
    files = MultipleFileField(required=False, allowed=(JPEG, PNG), max_files=1,
                              error_messages={"max_files": "사진은 %(n)s장까지 올릴 수 있습니다."})


def png(name="a.png"):
    return SimpleUploadedFile(name, image_bytes("PNG"), "image/png")


def bound(form_class, *files):
    return form_class(data={}, files=MultiValueDict({"files": list(files)}))


def test_one_input_takes_several_files():
    html = str(PlainForm()["files"])
    assert 'multiple' in html and 'accept="image/png"' in html
    assert 'accept' not in str(CheckedForm()["files"])


def test_without_allowed_the_files_come_back_as_uploaded():
    form = bound(PlainForm, png("a.png"), png("b.png"))
    assert form.is_valid()
    assert [f.name for f in form.cleaned_data["files"]] == ["a.png", "b.png"]
    empty = bound(PlainForm)
    assert empty.is_valid() and empty.cleaned_data["files"] == []


def test_with_allowed_each_file_is_checked_and_cleaned():
    form = bound(CheckedForm, png(), SimpleUploadedFile("spec.pdf", pdf_bytes(), "application/pdf"))
    assert form.is_valid(), form.errors
    assert [type(f) for f in form.cleaned_data["files"]] == [CleanUpload, CleanUpload]
    assert [f.kind for f in form.cleaned_data["files"]] == [PNG, PDF]
    fake = bound(CheckedForm, SimpleUploadedFile("x.png", b"not an image", "image/png"))
    assert not fake.is_valid() and "파일만 올릴 수 있습니다" in fake.errors["files"][0]


def test_too_many_files_are_refused_with_the_fields_message():
    form = bound(CheckedForm, png(), png(), png())
    assert not form.is_valid() and form.errors["files"] == ["첨부 파일은 2개까지 올릴 수 있습니다."]
    photos = bound(PhotoForm, png(), png())
    assert not photos.is_valid() and photos.errors["files"] == ["사진은 1장까지 올릴 수 있습니다."]
