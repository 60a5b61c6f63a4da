from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm

from accounts.selectors import time_zone_names

TOKEN_EXPIRY_CHOICES = [("", "Never"), ("30", "In 30 days"), ("90", "In 90 days"), ("365", "In a year")]


class SignupForm(UserCreationForm):
    email = forms.EmailField(required=True, help_text="Used only to recover your account (password reset).")

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("An account with this email address already exists.")
        return email


class TimeZoneForm(forms.Form):
    time_zone = forms.ChoiceField(
        required=False, label="Time zone",
        help_text="Camera times that carry no UTC offset are read in this zone.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [("", "The server's time zone"), *((n, n) for n in time_zone_names())]


class ApiTokenCreateForm(forms.Form):
    name = forms.CharField(max_length=64, label="Device or app", widget=forms.TextInput(
        attrs={"placeholder": "e.g. Ada's phone", "autocomplete": "off"}))
    expires_in_days = forms.TypedChoiceField(choices=TOKEN_EXPIRY_CHOICES, coerce=int, empty_value=None,
                                             required=False, label="Expires")


class AccountDeleteForm(forms.Form):
    password = forms.CharField(label="Your password", strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your password.")
        return password


class InviteCreateForm(forms.Form):
    note = forms.CharField(max_length=100, required=False, label="For",
                           widget=forms.TextInput(attrs={"placeholder": "who it is for (only staff see this)"}))
    valid_days = forms.IntegerField(min_value=1, max_value=365, required=False, label="Valid for (days)")
