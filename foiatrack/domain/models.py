"""Every mapped class, imported in one place so that metadata and Alembic see all tables."""

from foiatrack.domain.accounts.models import Role, User
from foiatrack.domain.agencies.models import Agency, AgencyKind
from foiatrack.domain.documents.models import (
    Document,
    DocumentGroup,
    DocumentPage,
    DocumentTag,
    SearchEntry,
    Tag,
)
from foiatrack.domain.documents.signatures import DocumentSignature
from foiatrack.domain.jobs.models import Job, JobStatus
from foiatrack.domain.jurisdictions.models import Jurisdiction
from foiatrack.domain.letters.models import (
    FiledLetter,
    Letter,
    LetterTemplate,
    LetterTemplateVersion,
    OutboundMessage,
    RequesterProfile,
)
from foiatrack.domain.mail.models import (
    Attachment,
    MailboxState,
    Message,
    MessageLink,
    RawMessage,
    SenderRule,
    Suggestion,
)
from foiatrack.domain.requests.models import (
    Campaign,
    EventKind,
    Fee,
    FeeStatus,
    RecordsRequest,
    RequestEvent,
    RequestReference,
    RequestTag,
    Status,
)

__all__ = [
    "Agency",
    "AgencyKind",
    "Attachment",
    "Campaign",
    "Document",
    "DocumentGroup",
    "DocumentPage",
    "DocumentSignature",
    "DocumentTag",
    "EventKind",
    "Fee",
    "FeeStatus",
    "FiledLetter",
    "Job",
    "JobStatus",
    "Jurisdiction",
    "Letter",
    "LetterTemplate",
    "LetterTemplateVersion",
    "MailboxState",
    "Message",
    "MessageLink",
    "OutboundMessage",
    "RawMessage",
    "RecordsRequest",
    "RequestEvent",
    "RequestReference",
    "RequestTag",
    "RequesterProfile",
    "Role",
    "SearchEntry",
    "SenderRule",
    "Status",
    "Suggestion",
    "Tag",
    "User",
]
