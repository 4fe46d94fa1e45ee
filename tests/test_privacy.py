"""Privacy mode finds the file's personal columns by header, in English, Spanish and French,
and by their values' shape (docs/deployment.md)."""

from __future__ import annotations

import pytest

from dashboard.privacy import is_personal_header, looks_personal
from tests.conftest import load_rows

PERSONAL_HEADERS = [
    "First Name", "Last Name", "Full Name", "Student Name", "Preferred Name", "Middle Name",
    "Fname", "Lname", "Surname", "Maiden name", "Nickname", "Nombre", "Apellido",
    "Apellidos", "Prénom", "Nom de famille", "Personal Email", "E-mail address", "Courriel",
    "Correo electrónico", "Phone", "Telephone", "Tel.", "Mobile", "Cell #", "Teléfono",
    "Celular", "Portable", "Home Address", "Street", "City", "Zip code", "Postal Code",
    "Dirección", "Ciudad", "Adresse", "Ville", "Code postal", "D.O.B.", "DOB",
    "Date of Birth", "Birthdate", "Fecha de nacimiento", "Date de naissance",
    "Social Sec #", "SSN", "National ID", "Passport No.", "DNI", "Cédula",
    "Numéro de sécurité sociale", "Emergency contact", "Parent/Guardian", "Next of kin",
    "Mother's phone", "Contacto de emergencia", "Contact d'urgence", "Gender", "Ethnicity",
    "Citizenship", "Visa status", "Disability accommodation",
]
NOT_PERSONAL = ["Notes", "Away Rotations", "Interview count", "Signals sent", "Program list",
                "Research mentor institution", "Step 3", "USMLE ID status", "Comments",
                "Cohort remarks"]


@pytest.mark.parametrize("header", PERSONAL_HEADERS)
def test_personal_headers_are_found(header):
    assert is_personal_header(header)


@pytest.mark.parametrize("header", NOT_PERSONAL)
def test_advising_columns_stay_visible(header):
    assert not is_personal_header(header)


def test_there_are_at_least_45_personal_headers_under_test():
    assert len(PERSONAL_HEADERS) >= 45


@pytest.mark.parametrize(("values", "personal"), [
    (["jo@example.edu", None, "x"], True),
    (["(555) 123-4567", "555-987-6543", None], True),
    (["+44 20 7946 0958", "+1 415 555 2671"], True),
    (["123-45-6789", "987-65-4321"], True),
    (["12 Main Street", "400 Oak Ave.", "7 rue de la Paix"], True),
    (["1998-04-12", "4/12/1997", "2000-01-30"], True),
    (["2", "3", "1"], False),
    (["Dr. Chen", "Dr. Patel"], False),
    (["2027-10-15", "2026-06-01"], False),  # exam dates, not dates of birth
    (["needs call", "score pending re-report"], False),
    ([None, ""], False),
])
def test_values_that_look_personal(values, personal):
    assert looks_personal(values) is personal


def test_a_cohort_masks_personal_columns_found_either_way():
    cohort = load_rows([
        {"student_id": "S1", "Name": "A B", "Teléfono": "x", "Contact": "555-123-4567",
         "Born": "1999-02-03", "Notes": "call back"},
        {"student_id": "S2", "Name": "C D", "Teléfono": "y", "Contact": "555-765-4321",
         "Born": "2000-11-30", "Notes": None},
    ])
    headers = {key: header for key, header in cohort.extra_columns.items()}
    masked = {headers[key] for key in cohort.personal_columns}
    assert masked == {"Teléfono", "Contact", "Born"}
