"""Flask-WTF forms (CSRF protected); limits match the model columns."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import URL, DataRequired, Email, Length, Optional

from foiatrack.domain.accounts.models import Role
from foiatrack.domain.accounts.services import MIN_PASSWORD_LENGTH
from foiatrack.domain.agencies.models import AgencyKind
from foiatrack.domain.agencies.services import FIELD_LIMITS

ROLE_CHOICES = [SelectChoice(role.value, role.value.capitalize()) for role in Role]


class LoginForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=500)])


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired()])
    new_password = PasswordField(
        "New password", validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=500)]
    )


class AgencyForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=FIELD_LIMITS["name"])])
    state = SelectField("State or jurisdiction", validators=[DataRequired()])
    kind = SelectField(
        "Kind",
        choices=[SelectChoice(k.value, k.value.replace("_", " ").capitalize()) for k in AgencyKind],
    )
    city = StringField("City", validators=[Optional(), Length(max=FIELD_LIMITS["city"])])
    county = StringField("County", validators=[Optional(), Length(max=FIELD_LIMITS["county"])])
    email = EmailField(
        "Records e-mail", validators=[Optional(), Email(), Length(max=FIELD_LIMITS["email"])]
    )
    portal_url = StringField(
        "Records portal URL",
        validators=[Optional(), URL(require_tld=False), Length(max=FIELD_LIMITS["portal_url"])],
    )
    address = TextAreaField(
        "Postal address", validators=[Optional(), Length(max=FIELD_LIMITS["address"])]
    )
    phone = StringField("Phone", validators=[Optional(), Length(max=FIELD_LIMITS["phone"])])
    is_ring_partner = BooleanField("Has a Ring partnership")
    ring_partner_since = DateField("Ring partner since", validators=[Optional()])
    source_url = StringField(
        "Source documenting the partnership",
        validators=[Optional(), URL(require_tld=False), Length(max=FIELD_LIMITS["source_url"])],
    )
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=FIELD_LIMITS["notes"])])


class AgencyImportForm(FlaskForm):
    file = FileField("CSV file (UTF-8, with a header row)", validators=[FileRequired()])
    dry_run = BooleanField("Check only (dry run): import nothing", default=True)


class NewUserForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField("Name", validators=[Optional(), Length(max=200)])
    role = SelectField("Role", choices=ROLE_CHOICES, default=Role.VIEWER.value)


class EditUserForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_CHOICES)
    is_active = BooleanField("Active (can log in)")


class ProfileForm(FlaskForm):
    name = StringField("Name (signs the letters)", validators=[DataRequired(), Length(max=200)])
    organisation = StringField("Organisation", validators=[Optional(), Length(max=200)])
    address = TextAreaField("Postal address", validators=[Optional(), Length(max=2000)])
    email = EmailField("E-mail", validators=[Optional(), Email(), Length(max=254)])
    phone = StringField("Phone", validators=[Optional(), Length(max=50)])
    signature = TextAreaField(
        "Signature line (e.g. name, title)", validators=[Optional(), Length(max=500)]
    )
