"""Turn one raw result row (text fields) into a clean result, or into plain-English reasons.

Pure functions, no database: the intake pipeline adds the checks that need one
(known postcode, duplicates). The accepted formats are documented in docs/intake.md.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from typing import Any, NamedTuple

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils import timezone

from localtrace.areas.postcodes import InvalidPostcode, normalise_postcode
from localtrace.results import codes

MAX_AGE_YEARS = 120
# A specimen reported more than this many days after it was taken is suspicious: often a
# swapped day and month. The row is quarantined rather than guessed at.
MAX_SPECIMEN_TO_RESULT_DAYS = 21
# No test for SARS-CoV-2 was taken before 2020: an earlier test date has a mistyped year (and one near the year 1
# would overflow the date arithmetic of the case it opens).
EARLIEST_TEST_DATE = dt.date(2020, 1, 1)

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_NUMERIC = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})$")
_WORDS = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?[ \-]([A-Za-z]+)[ \-,]+(\d{4})$")
_email = EmailValidator()


class DateProblem(ValueError):
    pass


@dataclass(frozen=True)
class ParsedDate:
    value: dt.date
    # For DD/MM dates where both parts could be a month, the other reading; used to
    # explain a suspected swap instead of guessing.
    swapped: dt.date | None = None
    two_digit_year: bool = False


def local_day(text: str, written: dt.date) -> dt.date:
    """The day here of a date written with a time: a time with a zone (`2026-07-14T23:30:00Z`) is a moment, and
    its day is the deployment's (15 July in London, in summer); without a zone, the date as written.

    A laboratory system writing times in UTC would otherwise date a specimen taken at half past midnight in
    summer a day early. FHIR dates and times are read the same way (`results.fhir`).
    """
    if len(text) <= 10:
        return written
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return written
    if moment.tzinfo is None:
        return written
    return timezone.localtime(moment).date()


def parse_date(text: str, label: str) -> ParsedDate:
    """Read a date in one of the documented formats; raise DateProblem with a reason."""
    parsed = _parse_date_cached((text or "").strip(), label)
    if isinstance(parsed, str):
        raise DateProblem(parsed)
    return parsed


@functools.lru_cache(maxsize=50_000)
def _parse_date_cached(text: str, label: str) -> ParsedDate | str:
    """A file holds a few hundred distinct dates in a million rows: each is read once."""
    try:
        return _parse_date(text, label)
    except DateProblem as problem:
        return str(problem)


def _parse_date(text: str, label: str) -> ParsedDate:
    if not text:
        raise DateProblem(f"{label} is missing.")
    try:
        if m := _ISO.match(text):
            return ParsedDate(local_day(text, dt.date(int(m[1]), int(m[2]), int(m[3]))))
        if m := _COMPACT.match(text):
            return ParsedDate(dt.date(int(m[1]), int(m[2]), int(m[3])))
        if m := _WORDS.match(text):
            month = _MONTHS.get(m[2].lower())
            if month is None:
                raise DateProblem(f"{label} “{text}” has a month we cannot read.")
            return ParsedDate(dt.date(int(m[3]), month, int(m[1])))
    except ValueError:
        raise DateProblem(f"{label} “{text}” is not a real date.") from None
    if m := _NUMERIC.match(text):
        first, second, year_text = int(m[1]), int(m[2]), m[3]
        two_digit = len(year_text) == 2
        year = 2000 + int(year_text) if two_digit else int(year_text)
        if second > 12 and first <= 12:
            raise DateProblem(
                f"{label} “{text}” reads as month/day/year. Write it day first (DD/MM/YYYY) or as YYYY-MM-DD."
            )
        try:
            value = dt.date(year, second, first)
        except ValueError:
            raise DateProblem(f"{label} “{text}” is not a real date.") from None
        swapped = None
        if first <= 12 and second <= 12 and first != second:
            swapped = dt.date(year, first, second)
        return ParsedDate(value, swapped, two_digit)
    raise DateProblem(f"{label} “{text}” is not a date we can read. Use YYYY-MM-DD or DD/MM/YYYY.")


# The shape most results carry, a UK mobile ("07… …", "+44 7…"), checked against phonenumbers' own
# metadata for GB mobiles without a full parse: the full parse costs about a tenth of a row's work.
_UK_MOBILE_SHAPE = re.compile(r"^(?:0|\+44|0044)(7\d{9})$")
_GB_METADATA = phonenumbers.PhoneMetadata.metadata_for_region("GB")
assert _GB_METADATA is not None and _GB_METADATA.mobile is not None and _GB_METADATA.general_desc is not None
_GB_MOBILE = re.compile(_GB_METADATA.mobile.national_number_pattern or "(?!)")
_GB_GENERAL = re.compile(_GB_METADATA.general_desc.national_number_pattern or "(?!)")
_PHONE_SEPARATORS = str.maketrans("", "", " -()")


def normalise_phone(text: str) -> str:
    """E.164 form of a UK or international number, or "" if it is not a valid one."""
    if match := _UK_MOBILE_SHAPE.match(text.translate(_PHONE_SEPARATORS)):
        national = match[1]
        if _GB_MOBILE.fullmatch(national) and _GB_GENERAL.fullmatch(national):
            return "+44" + national
    return _parse_phone(text)


@functools.lru_cache(maxsize=10_000)
def takes_texts(phone: str) -> bool:
    """Whether a stored (E.164) number can receive a text: a mobile, not a landline. GOV.UK Notify refuses a text
    to a landline as a bad number, which would mark a number that still answers calls as not working."""
    try:
        number = phonenumbers.parse(phone, "GB")
    except phonenumbers.NumberParseException:
        return False
    kind = phonenumbers.number_type(number)
    return kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


@functools.lru_cache(maxsize=100_000)
def _parse_phone(text: str) -> str:
    """The full check by phonenumbers. Cached, because a household's rows often share a number."""
    try:
        number = phonenumbers.parse(text, "GB")
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_valid_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@functools.lru_cache(maxsize=100_000)
def _postcode_or_problem(text: str) -> tuple[str, str]:
    """(postcode, "") or ("", the reason it is not one). Cached: an area's rows share postcodes."""
    try:
        return normalise_postcode(text), ""
    except InvalidPostcode as problem:
        return "", str(problem)


@functools.lru_cache(maxsize=100_000)
def _email_is_valid(email: str) -> bool:
    """Django's email check, cached: a person's results repeat their address."""
    try:
        _email(email)
    except ValidationError:
        return False
    return True


@functools.lru_cache(maxsize=100_000)
def nhs_number_is_valid(digits: str) -> bool:
    """Modulus 11 check digit, as the NHS Data Dictionary defines it."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


class CleanResult(NamedTuple):
    """A row that passed every check, in clean form.

    A named tuple rather than a dataclass: a large file's clean rows are handed from the reading
    process to the writing one, and a tuple pickles and unpickles in a fraction of the time.
    """

    source_id: str
    specimen_id: str
    nhs_number: str
    given_name: str
    family_name: str
    date_of_birth: dt.date
    sex: str
    address_line_1: str
    postcode: str
    phone: str
    email: str
    preferred_language: str
    test_type: str
    test_code: str
    result: str
    specimen_date: dt.date
    result_date: dt.date
    care_home: bool
    occupation: str


# The longest value each column may have, as stored (see the Person and TestResult models).
MAX_LENGTHS = {
    "source_id": 40, "specimen_id": 64, "nhs_number": 20, "given_name": 100, "family_name": 100,
    "date_of_birth": 40, "sex": 20, "address_line_1": 200, "postcode": 20, "phone": 40, "email": 254,
    "preferred_language": 8, "test_type": 30, "test_code": 16, "result": 30, "result_code": 20,
    "specimen_date": 40, "result_date": 40, "care_home": 10, "occupation": 30,
}  # fmt: skip
_SEX = {
    "f": "female", "female": "female", "woman": "female",
    "m": "male", "male": "male", "man": "male",
    "o": "other", "other": "other", "x": "other", "i": "other", "indeterminate": "other",
    "u": "unknown", "unknown": "unknown", "not known": "unknown", "": "unknown", "not stated": "unknown",
}  # fmt: skip
_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0", ""}
_YES_OR_NO = _YES | _NO
_NHS_SEPARATORS = re.compile(r"[\s\-]")
_BLANK_ROW = dict.fromkeys(MAX_LENGTHS, "")
OCCUPATIONS = {"health_care", "social_care", "education", "other", ""}
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")


class Problems(list[str]):
    """The reasons a row cannot be accepted, in plain English, each with the field it concerns."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[str] = []

    def add(self, field: str, reason: str) -> None:
        self.append(reason)
        self.fields.append(field)


def validate(fields: dict[str, str], *, today: dt.date, source_id: str | None = None) -> CleanResult | Problems:
    """A clean result, or every reason the row cannot be accepted (all of them, not just the first).

    `source_id` is the submitter the row was sent as from (an upload's "Sent by", a token's submitter):
    the row's own source column may be blank or the same, never another.

    The checks come in groups of columns that repeat from row to row (the person's details on each of
    their results, the test and result codes, the pair of test dates, the care home and occupation),
    and each group's verdict is worked out once per distinct set of values (see `_person_part` and
    the others); the reasons come out in the same order either way.
    """
    stripped = dict(_BLANK_ROW)
    for column, value in fields.items():
        stripped[column] = (value or "").strip()
    if "\x00" in "".join(stripped.values()) or any(
        len(stripped[column]) > limit for column, limit in MAX_LENGTHS.items()
    ):
        return _length_or_nul_problems(stripped)
    text = stripped.__getitem__  # every column is there, blank when the row had none

    reasons = Problems()
    declared = text("source_id")
    source = source_id or declared
    if not source:
        reasons.add("source_id", "The source (laboratory or testing provider) is missing.")
    elif source_id and declared and declared.casefold() != source_id.casefold():
        # Sent as from one submitter, the row names another: never relabelled (it would escape being a
        # duplicate of the same result sent under its own source), quarantined for a person to decide.
        reasons.add(
            "source_id",
            f"This row says it comes from {declared}, but it was sent as from {source_id}. A row may only carry the "
            "source of whoever sent it: correct the source or leave it blank, or send rows from other sources "
            "without choosing who sent them.",
        )
    specimen_id = text("specimen_id")
    if not specimen_id:
        reasons.add("specimen_id", "The specimen ID is missing.")
    person, person_problems = _person_part(
        text("given_name"), text("family_name"), text("nhs_number"), text("date_of_birth"), text("sex"),
        text("postcode"), text("phone"), text("email"), text("preferred_language"), today,
    )  # fmt: skip
    codes_, code_problems = _codes_part(text("test_type"), text("test_code"), text("result"), text("result_code"))
    dates, date_problems = _dates_part(text("specimen_date"), text("result_date"), today)
    flags, flag_problems = _flags_part(text("care_home"), text("occupation"))
    for problems in (person_problems, code_problems, date_problems, flag_problems):
        for column, reason in problems:
            reasons.add(column, reason)
    if person is not None and dates is not None and dates[0] < person[3]:
        reasons.add(
            "date_of_birth",
            f"The specimen date {dates[0]:%d/%m/%Y} is before the date of birth {person[3]:%d/%m/%Y}: "
            "one of them is wrong.",
        )
    if reasons:
        return reasons
    assert person is not None and codes_ is not None and dates is not None and flags is not None
    given_name, family_name, nhs_number, date_of_birth, sex, postcode, phone, email, language = person
    test_type, result = codes_
    specimen_date, result_date = dates
    care_home, occupation = flags
    return CleanResult(
        source, specimen_id, nhs_number, given_name, family_name, date_of_birth, sex,
        " ".join(text("address_line_1").split()), postcode, phone, email, language, test_type, text("test_code"),
        result, specimen_date, result_date, care_home, occupation,
    )  # fmt: skip


def _length_or_nul_problems(stripped: dict[str, str]) -> Problems:
    reasons = Problems()
    for column, value in stripped.items():
        limit = MAX_LENGTHS.get(column)
        if limit is not None and len(value) > limit:
            reasons.add(
                column, f"The {column.replace('_', ' ')} is {len(value)} characters long; the most we keep is {limit}."
            )
        if "\x00" in value:
            reasons.add(column, f"The {column.replace('_', ' ')} contains a NUL character, which is not text.")
    return reasons


# A part's verdict: its clean values (None when it has problems) and its (column, reason) pairs.
_Part = tuple[tuple[Any, ...] | None, tuple[tuple[str, str], ...]]


@functools.lru_cache(maxsize=50_000)
def _person_part(
    given_text: str,
    family_text: str,
    nhs_text: str,
    born_text: str,
    sex_text: str,
    postcode_text: str,
    phone_text: str,
    email_text: str,
    language_text: str,
    today: dt.date,
) -> _Part:
    """Names, NHS number, date of birth, sex, postcode, phone, email, language: the same on each of a
    person's results, so checked once per person (while they stay among the last 50,000 seen)."""
    reasons = Problems()
    given_name, family_name = " ".join(given_text.split()), " ".join(family_text.split())
    if not given_name:
        reasons.add("given_name", "The given name is missing.")
    if not family_name:
        reasons.add("family_name", "The family name is missing.")

    nhs_number = _NHS_SEPARATORS.sub("", nhs_text)
    if nhs_number and not (nhs_number.isascii() and nhs_number.isdigit()):  # "٩٤٣…" passes isdigit()
        reasons.add("nhs_number", f"NHS number “{nhs_text}” should be 10 digits.")
    elif nhs_number and len(nhs_number) != 10:
        reasons.add("nhs_number", f"NHS number “{nhs_text}” has {len(nhs_number)} digits, not 10.")
    elif nhs_number and not nhs_number_is_valid(nhs_number):
        reasons.add("nhs_number", f"NHS number {nhs_number} fails its check digit: a digit is probably mistyped.")

    date_of_birth = None
    try:
        parsed = parse_date(born_text, "The date of birth")
        if parsed.two_digit_year:
            reasons.add(
                "date_of_birth", f"The date of birth “{born_text}” has a two-digit year: write the year in full."
            )
        elif parsed.value > today:
            reasons.add("date_of_birth", f"The date of birth {parsed.value:%d/%m/%Y} is in the future.")
        elif parsed.value.year < today.year - MAX_AGE_YEARS:
            reasons.add(
                "date_of_birth", f"The date of birth {parsed.value:%d/%m/%Y} is more than {MAX_AGE_YEARS} years ago."
            )
        else:
            date_of_birth = parsed.value
    except DateProblem as problem:
        reasons.add("date_of_birth", str(problem))

    sex = _SEX.get(sex_text.lower())
    if sex is None:
        reasons.add("sex", f"Sex “{sex_text}” is not one of female, male, other or unknown.")

    postcode, postcode_problem = _postcode_or_problem(postcode_text)
    if postcode_problem:
        reasons.add("postcode", postcode_problem)

    phone = ""
    if phone_text:
        phone = normalise_phone(phone_text)
        if not phone:
            reasons.add("phone", f"Phone number “{phone_text}” is not a valid UK or international number.")

    if email_text and not _email_is_valid(email_text):
        reasons.add("email", f"Email address “{email_text}” is not valid.")

    language = language_text.lower() or "en"
    if not _LANGUAGE.match(language):
        reasons.add(
            "preferred_language", f"Preferred language “{language_text}” should be a language code such as en or cy."
        )
    if reasons:
        return None, _pairs(reasons)
    values = (given_name, family_name, nhs_number, date_of_birth, sex, postcode, phone, email_text.lower(), language)
    return values, ()


@functools.lru_cache(maxsize=10_000)
def _codes_part(test_type_text: str, test_code: str, result_text: str, result_code: str) -> _Part:
    """Test type and code, result and code: a file uses a handful of combinations."""
    reasons = Problems()
    test_type = _coded(_TEST, test_type_text, test_code, reasons)
    result = _coded(_RESULT, result_text, result_code, reasons)
    return (None if reasons else (test_type, result)), _pairs(reasons)


@functools.lru_cache(maxsize=50_000)
def _dates_part(specimen_text: str, result_text: str, today: dt.date) -> _Part:
    """Specimen and result dates, read and checked as a pair: a file holds a few thousand pairs."""
    reasons = Problems()
    dates: dict[str, ParsedDate] = {}
    for name, text, label in (
        ("specimen_date", specimen_text, "The specimen date"),
        ("result_date", result_text, "The result date"),
    ):
        try:
            dates[name] = parse_date(text, label)
        except DateProblem as problem:
            reasons.add("test_dates", str(problem))
    if len(dates) == 2:
        specimen_date, result_date = dates["specimen_date"].value, dates["result_date"].value
        order_problem = _date_order_problem(specimen_date, result_date, today)
        if early := _too_early_problem(specimen_date, result_date):
            reasons.add("test_dates", early)
        elif order_problem:
            swaps = [d for d in (dates["specimen_date"].swapped, dates["result_date"].swapped) if d is not None]
            if swaps:
                order_problem += " The day and month may be the wrong way round."
            reasons.add("test_dates", order_problem)
        if not reasons:
            return (specimen_date, result_date), ()
    elif "specimen_date" in dates and dates["specimen_date"].value > today:
        reasons.add("test_dates", f"The specimen date {dates['specimen_date'].value:%d/%m/%Y} is in the future.")
    return None, _pairs(reasons)


def _too_early_problem(specimen: dt.date, result: dt.date) -> str | None:
    for label, day in (("specimen", specimen), ("result", result)):
        if day < EARLIEST_TEST_DATE:
            return (
                f"The {label} date {day.day:02d}/{day.month:02d}/{day.year:04d} is before "
                f"{EARLIEST_TEST_DATE:%Y}, when tests for SARS-CoV-2 began: the year is probably mistyped."
            )
    return None


@functools.lru_cache(maxsize=1_000)
def _flags_part(care_home_text: str, occupation_text: str) -> _Part:
    reasons = Problems()
    care_home = care_home_text.lower()
    if care_home not in _YES_OR_NO:
        reasons.add("care_home", f"Care home “{care_home_text}” should be yes or no.")
    occupation = occupation_text.lower().replace(" ", "_").replace("-", "_")
    if occupation not in OCCUPATIONS:
        reasons.add(
            "occupation",
            f"Occupation “{occupation_text}” should be health_care, social_care, education, other or blank.",
        )
    return (None if reasons else (care_home in _YES, occupation)), _pairs(reasons)


def _pairs(reasons: Problems) -> tuple[tuple[str, str], ...]:
    return tuple(zip(reasons.fields, reasons, strict=True))


@dataclass(frozen=True)
class _CodedField:
    """A value given as a word, a code, or both (which must then agree)."""

    field: str
    words: dict[str, str]
    codes: dict[str, str]
    unknown_word: str
    unknown_code: str
    missing: str
    mismatch: str


_TEST = _CodedField(
    "test",
    codes.TEST_TYPE_WORDS,
    codes.TEST_CODES,
    unknown_word="Test type “{word}” is not PCR or LFD (lateral flow).",
    unknown_code="Test code “{code}” is not a SARS-CoV-2 test code we recognise (see docs/intake.md).",
    missing="The test type and test code are both missing.",
    mismatch="Test type {word} does not match test code {code} ({meaning}).",
)
_RESULT = _CodedField(
    "result",
    codes.RESULT_WORDS,
    codes.RESULT_CODES,
    unknown_word="Result “{word}” is not positive, negative or void.",
    unknown_code="Result code “{code}” is not a SNOMED CT outcome we recognise (see docs/intake.md).",
    missing="The result and result code are both missing.",
    mismatch="Result {word} does not match result code {code} ({meaning}).",
)


def _coded(spec: _CodedField, word: str, code: str, reasons: Problems) -> str | None:
    from_word = spec.words.get(word.lower()) if word else None
    from_code = spec.codes.get(code) if code else None
    problem = None
    if word and from_word is None:
        problem = spec.unknown_word
    elif code and from_code is None:
        problem = spec.unknown_code
    elif not word and not code:
        problem = spec.missing
    elif from_word and from_code and from_word != from_code:
        problem = spec.mismatch
    if problem:
        reasons.add(spec.field, problem.format(word=word, code=code, meaning=from_code))
        return None
    return from_word or from_code


def _date_order_problem(specimen: dt.date, result: dt.date, today: dt.date) -> str | None:
    if specimen > today:
        return f"The specimen date {specimen:%d/%m/%Y} is in the future."
    if result > today:
        return f"The result date {result:%d/%m/%Y} is in the future."
    if specimen > result:
        return f"The specimen date {specimen:%d/%m/%Y} is after the result date {result:%d/%m/%Y}."
    if (result - specimen).days > MAX_SPECIMEN_TO_RESULT_DAYS:
        return (
            f"The result date {result:%d/%m/%Y} is {(result - specimen).days} days after the specimen date "
            f"{specimen:%d/%m/%Y}; results come within {MAX_SPECIMEN_TO_RESULT_DAYS}."
        )
    return None
