"""배송지 관리: the signed-in buyer's address book (list, add, make default, delete)."""
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ddasum.validators import normalize_phone

from ..models import Address
from ..services.addresses import address_delete, address_make_default, address_save


class AddressForm(forms.ModelForm):
    make_default = forms.BooleanField(label=gettext_lazy("기본 배송지로 하기"), required=False)

    class Meta:
        model = Address
        fields = ("label", "recipient", "phone", "postal_code", "address", "address_detail")
        widgets = {"phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
                   "postal_code": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"})}

    def clean_phone(self):
        return normalize_phone(self.cleaned_data["phone"])


@login_required
def address_book(request):
    form = AddressForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        address_save(user=request.user, recipient=data["recipient"], phone=data["phone"], postal_code=data["postal_code"],
                     address=data["address"], address_detail=data["address_detail"], label=data["label"],
                     make_default=data["make_default"])
        messages.success(request, _("배송지를 저장했습니다."))
        return redirect("orders:addresses")
    return render(request, "orders/addresses.html", {
        "addresses": list(Address.objects.filter(user=request.user)), "form": form,
        "seo": {"title": _("배송지 관리"), "noindex": True},
    })


def _address_id(request) -> int:
    value = request.POST.get("id", "")
    return int(value) if value.isdigit() else 0


@login_required
@require_POST
def address_remove(request):
    if address_delete(user=request.user, address_id=_address_id(request)):
        messages.success(request, _("배송지를 지웠습니다."))
    return redirect("orders:addresses")


@login_required
@require_POST
def address_default(request):
    if address_make_default(user=request.user, address_id=_address_id(request)):
        messages.success(request, _("기본 배송지를 바꿨습니다."))
    return redirect("orders:addresses")
