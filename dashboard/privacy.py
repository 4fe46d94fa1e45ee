"""Which of a file's other columns hold personal data, for privacy mode (README "Privacy and
deployment"): by header, in English, Spanish and French, and by what the values look like
(emails, phone numbers, national id numbers, street addresses, dates of birth)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping

# Header words and phrases, matched as whole words of the header with accents, case and
# punctuation set aside ("D.O.B." is "d o b", "Prénom" is "prenom").
PERSONAL_HEADER_TERMS = (
    # names
    "name", "names", "first name", "last name", "given name", "family name", "middle name",
    "preferred name", "legal name", "maiden name", "full name", "student name", "surname",
    "forename", "fname", "lname", "mname", "nickname", "nombre", "nombres", "apellido",
    "apellidos", "prenom", "nom", "nom de famille",
    # contact
    "email", "e mail", "mail", "courriel", "correo", "phone", "telephone", "tel", "mobile",
    "cell", "cellphone", "fax", "telefono", "celular", "movil", "portable",
    # address
    "address", "street", "city", "town", "zip", "zipcode", "postcode", "postal code",
    "direccion", "calle", "ciudad", "codigo postal", "adresse", "rue", "ville", "code postal",
    # birth and identity numbers
    "birth", "birthday", "birthdate", "dob", "d o b", "date of birth", "nacimiento",
    "fecha de nacimiento", "naissance", "date de naissance", "ssn", "social security",
    "social sec", "social insurance", "sin", "national id", "national insurance",
    "national identity", "passport", "pasaporte", "passeport", "driver license",
    "drivers license", "driver licence", "dni", "cedula", "nif", "nie", "curp", "rfc",
    "securite sociale", "secu", "numero de securite sociale", "insee", "nir",
    # family and emergency contacts
    "emergency contact", "emergency", "next of kin", "parent", "parents", "guardian",
    "mother", "father", "spouse", "padre", "madre", "tutor", "contacto de emergencia",
    "tuteur", "contact d urgence", "urgence",
    # sensitive categories
    "gender", "sex", "ethnicity", "race", "religion", "disability", "accommodation",
    "citizenship", "nationality", "visa", "immigration", "marital status",
)
_TERMS = frozenset(PERSONAL_HEADER_TERMS)
_LONGEST = max(len(term.split()) for term in PERSONAL_HEADER_TERMS)

EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
PHONE = re.compile(r"(\+\d{1,3}[\s.-]?)?(\(\d{2,4}\)|\d{2,4})([\s.-]\d{2,4}){2,4}")
NATIONAL_ID = re.compile(r"\d{3}-\d{2}-\d{4}|\d{8}[A-Za-z]|[A-Za-z]{4}\d{6}[A-Za-z0-9]{8}")
STREET = re.compile(r"\d+[A-Za-z]?,?\s+(\S+\s+){0,5}(street|st|avenue|ave|road|rd|boulevard|"
                    r"blvd|lane|ln|drive|dr|court|ct|way|place|pl|calle|avenida|rue|chemin)"
                    r"\b\.?", re.IGNORECASE)
DATE = re.compile(r"(\d{4})-\d{1,2}-\d{1,2}|\d{1,2}[/.-]\d{1,2}[/.-](\d{4})")
# A column counts as personal by its values when this share of its filled cells look so
# (any email at all: an address is personal wherever it is).
SHARE = 0.5


def header_words(header: str) -> list[str]:
    """A header as plain lower-case words: accents dropped, punctuation a space."""
    plain = unicodedata.normalize("NFKD", header)
    plain = "".join(char for char in plain if not unicodedata.combining(char)).casefold()
    return re.sub(r"[^0-9a-z]+", " ", plain).split()


def is_personal_header(header: str) -> bool:
    words = header_words(header)
    return any(" ".join(words[start:start + size]) in _TERMS
               for size in range(1, _LONGEST + 1) for start in range(len(words)))


def _is_birth_date(value: str) -> bool:
    match = DATE.fullmatch(value.strip())
    if not match:
        return False
    year = int(match.group(1) or match.group(2))
    return 1900 <= year <= dt.date.today().year - 15


def _is_phone(value: str) -> bool:
    """A phone number: the shape, and 10 to 15 digits (a date has 8)."""
    return bool(PHONE.fullmatch(value)) and 10 <= sum(char.isdigit() for char in value) <= 15


def looks_personal(values: Iterable[str | None]) -> bool:
    """Whether a column's values are personal by their shape."""
    filled = [value.strip() for value in values if value is not None and value.strip()]
    if not filled:
        return False
    if any(EMAIL.search(value) for value in filled):
        return True
    for shape in (_is_phone, NATIONAL_ID.fullmatch, STREET.match, _is_birth_date):
        if sum(1 for value in filled if shape(value)) >= SHARE * len(filled):
            return True
    return False


def personal_columns(headers: Mapping[str, str],
                     values: Mapping[str, list[str | None]]) -> frozenset[str]:
    """The keys (extra_<n>) of the columns that hold personal data: by header, else by a
    sample of their values."""
    return frozenset(key for key, header in headers.items()
                     if is_personal_header(header) or looks_personal(values.get(key, [])))
