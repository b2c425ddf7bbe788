"""The NGP VAN common contact model on the wire (requests), with its enums and per-type rules."""

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StringConstraints, field_validator

from contacthub.core.inputs import Strict

EmailType = Literal["HOME", "OTHER", "OTHER_2", "PERSONAL", "WORK", "ALTERNATIVE", "BILLING", "MAIN", "ASSISTANT"]
PhoneType = Literal["HOME", "HOME_FAX", "OTHER_2", "VACATION", "WORK", "WORK_FAX", "BILLING", "MAIN", "MAIN_FAX",
                    "OTHER_FAX", "ASSISTANT", "MOBILE", "OTHER", "TTY_TDD"]
AddressType = Literal["ABROAD", "HOME", "MILITARY", "SCHOOL", "TEMPORARY", "VACATION", "WORK", "ALTERNATIVE", "BILLING",
                      "MAIN", "ASSISTANT", "OTHER", "OTHER_2", "VOTING"]
ContactType = Literal["INDIVIDUAL", "ORGANIZATION"]

Name = Annotated[str, StringConstraints(max_length=300)]
Short = Annotated[str, StringConstraints(max_length=50)]

INDIVIDUAL_ONLY = ("prefix", "firstName", "middleName", "lastName", "suffix", "nickName", "salutation", "mailName",
                   "spouseName")
ORGANIZATION_ONLY = ("commonName", "officialName", "primaryContactFirstName", "primaryContactLastName")


class Wire(Strict):
    """NUL characters, unpaired surrogates, NaN/Infinity (anywhere, nested values too) are refused
    by the core's Strict model here, so the fault is named by its wire path rather than the core's."""


SOURCE_TYPE_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,40}$")


def _string_or_integer(value: Any, what: str) -> str | int:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError(f"must be a string or an integer ({what})")
    return value


class EmailListRef(Wire):
    emailListId: StrictInt


class Email(Wire):
    address: Annotated[str, StringConstraints(min_length=1, max_length=320)]
    type: EmailType | None = None
    doNotEmail: StrictBool | None = None
    isPrimary: StrictBool | None = None
    appliedEmailLists: Annotated[list[EmailListRef], Field(max_length=100)] | None = None


class Phone(Wire):
    number: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    type: PhoneType | None = None
    isPrimary: StrictBool | None = None
    isDisclosure: StrictBool | None = None
    extension: Annotated[str, StringConstraints(max_length=20)] | None = None


class Address(Wire):
    line1: Name | None = None
    line2: Name | None = None
    line3: Name | None = None
    city: Name | None = None
    stateProvince: Name | None = None
    postalCode: Short | None = None
    countryCode: Annotated[str, StringConstraints(max_length=100)] | None = None  # the core's country, written elsewhere
    type: AddressType | None = None
    isPrimary: StrictBool | None = None
    isDisclosure: StrictBool | None = None


class ExternalLink(Wire):
    externalSourceTypeId: int | str
    externalId: int | str

    @field_validator("externalSourceTypeId", mode="before")
    @classmethod
    def _source_type(cls, value: Any) -> str | int:
        value = _string_or_integer(value, "1-40 letters, digits or _.:-")
        if not SOURCE_TYPE_ID.match(str(value)):
            raise ValueError("must be 1-40 letters, digits or _.:-")
        return value

    @field_validator("externalId", mode="before")
    @classmethod
    def _external_id(cls, value: Any) -> str | int:
        value = _string_or_integer(value, "1-500 characters")
        if not 1 <= len(str(value)) <= 500:
            raise ValueError("must be 1-500 characters")
        return value


class ContactCode(Wire):
    contactCodeId: StrictInt


class DisclosureField(Wire):
    disclosureFieldId: StrictInt
    designationId: StrictInt | None = None
    value: Any = None


class ContactBody(Wire):
    """The common model. On create `type` and one identification criterion are required."""

    type: ContactType | None = None
    contactId: Any = None  # never stored: a body naming it is redirected to the contact's own URL
    # what a read shows and a write cannot set: taken and passed over, so a read can be posted back
    dateCreated: Any = None
    dateModified: Any = None
    prefix: Short | None = None
    firstName: Name | None = None
    middleName: Name | None = None
    lastName: Name | None = None
    suffix: Short | None = None
    nickName: Name | None = None
    salutation: Name | None = None
    mailName: Name | None = None
    spouseName: Name | None = None
    commonName: Name | None = None
    officialName: Name | None = None
    primaryContactFirstName: Name | None = None
    primaryContactLastName: Name | None = None
    emails: Annotated[list[Email], Field(max_length=50)] | None = None
    phones: Annotated[list[Phone], Field(max_length=50)] | None = None
    addresses: Annotated[list[Address], Field(max_length=20)] | None = None
    communicationPreferences: dict[str, Any] | None = None
    externalLinks: Annotated[list[ExternalLink], Field(max_length=50)] | None = None
    contactCodes: Annotated[list[ContactCode], Field(max_length=200)] | None = None
    employer: Name | None = None
    occupation: Name | None = None
    facebookProfileUrl: Annotated[str, StringConstraints(max_length=500)] | None = None
    disclosureFields: Annotated[list[DisclosureField], Field(max_length=200)] | None = None


class NewContactBody(ContactBody):
    """The body of a create (and of findOrCreate), as the OpenAPI document shows it: `type` is
    required there (the route checks it, in NGP's words)."""

    model_config = ConfigDict(json_schema_extra={"required": ["type"]})


class ContactIdOut(BaseModel):
    """What a create, findOrCreate or update answers."""

    contactId: str


class ContactsPage(BaseModel):
    """A page of contacts: `count` is of every page; follow `nextPageLink` (null on the last)."""

    items: list[ContactBody]
    count: int
    nextPageLink: str | None


class ErrorItem(BaseModel):
    code: str
    text: str
    properties: list[str] | None = None
    hint: str | None = None


class ErrorsOut(BaseModel):
    """Every error answer of this door."""

    errors: list[ErrorItem]
