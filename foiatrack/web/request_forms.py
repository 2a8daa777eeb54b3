"""Forms for recording what happens to a request; one per lifecycle action."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    DecimalField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from foiatrack.domain.requests.models import FeeStatus, FilingMethod

NOTE = {"validators": [Optional(), Length(max=2000)]}


def _today() -> dt.date:
    return dt.date.today()


class DatedForm(FlaskForm):
    on = DateField("Date it happened", default=_today, validators=[DataRequired()])


class FileForm(DatedForm):
    on = DateField(
        "Date filed (received by the agency)", default=_today, validators=[DataRequired()]
    )
    method = SelectField(
        "How it was filed",
        choices=[SelectChoice(m.value, m.label) for m in FilingMethod],
        default=FilingMethod.PORTAL.value,
    )
    confirmation = StringField(
        "Confirmation or receipt number", validators=[Optional(), Length(max=200)]
    )
    confirmation_file = FileField("Confirmation file (receipt, portal page), optional")


class AcknowledgeForm(DatedForm):
    reference = StringField(
        "Agency reference number (if given)", validators=[Optional(), Length(max=100)]
    )


class ExtendForm(DatedForm):
    days = IntegerField("Extended by (days)", validators=[Optional(), NumberRange(1, 365)])
    until = DateField("…or extended to (date)", validators=[Optional()])
    note = TextAreaField("Reason the agency gave", **NOTE)


class SetDueDateForm(FlaskForm):
    due_on = DateField("New due date", validators=[DataRequired()])
    note = StringField(
        "Why (a negotiated date, a correction)", validators=[DataRequired(), Length(max=500)]
    )


class FeeForm(DatedForm):
    amount = DecimalField(
        "Fee amount ($)",
        places=2,
        validators=[DataRequired(), NumberRange(Decimal(0), Decimal(10**7))],
    )
    deposit = DecimalField(
        "Deposit asked ($, optional)",
        places=2,
        validators=[Optional(), NumberRange(Decimal(0), Decimal(10**7))],
    )
    note = TextAreaField("Note", **NOTE)


class FeeUpdateForm(DatedForm):
    status = SelectField(
        "New fee status",
        choices=[SelectChoice(s.value, s.label) for s in FeeStatus if s != FeeStatus.ESTIMATED],
    )
    note = StringField("Note", validators=[Optional(), Length(max=500)])


class ClarificationRequestForm(DatedForm):
    question = TextAreaField("What the agency asked", **NOTE)


class NoteDatedForm(DatedForm):
    note = TextAreaField("Note", **NOTE)


class DenyForm(DatedForm):
    exemptions = StringField("Exemptions cited", validators=[DataRequired(), Length(max=500)])
    note = TextAreaField("Note", **NOTE)


class AppealForm(DatedForm):
    on = DateField("Date the appeal was filed", default=_today, validators=[DataRequired()])
    decision_due_on = DateField(
        "Decision due by (if the law or the agency says)", validators=[Optional()]
    )
    note = TextAreaField("Note", **NOTE)


class WithdrawForm(FlaskForm):
    reason = StringField("Reason", validators=[Optional(), Length(max=500)])


class ReferenceForm(FlaskForm):
    number = StringField("Reference number", validators=[DataRequired(), Length(max=100)])
    label = StringField(
        "What it is (agency reference, portal case id…)",
        validators=[Optional(), Length(max=100)],
        default="agency reference",
    )


class AssignForm(FlaskForm):
    assignee = SelectField("Assigned to", choices=[])


class TagForm(FlaskForm):
    tag = StringField("Add a tag", validators=[DataRequired(), Length(max=60)])


class RuleOverrideForm(FlaskForm):
    days = IntegerField("Days", validators=[Optional(), NumberRange(1, 365)])
    day_type = SelectField(
        "Counted in",
        choices=[
            SelectChoice("business", "business days"),
            SelectChoice("calendar", "calendar days"),
        ],
    )
    note = StringField(
        "Source of the rule (ordinance, agreement)", validators=[Optional(), Length(max=500)]
    )


class NoteForm(FlaskForm):
    text = TextAreaField(
        "Add a note to the timeline", validators=[DataRequired(), Length(max=10_000)]
    )
