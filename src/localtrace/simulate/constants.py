"""Codes, column sets and fictional identifiers the generator writes, kept in one place.

If a terminology code turns out to be wrong, change it here: nothing else hard-codes one.
"""

from __future__ import annotations

# Bump when a change to the model alters the output for the same seed and options.
GENERATOR_VERSION = "1.0"

RESULTS_COLUMNS: tuple[str, ...] = (
    "source_id",
    "specimen_id",
    "nhs_number",
    "given_name",
    "family_name",
    "date_of_birth",
    "sex",
    "address_line_1",
    "postcode",
    "phone",
    "email",
    "preferred_language",
    "test_type",
    "test_code",
    "result",
    "result_code",
    "specimen_date",
    "result_date",
    "care_home",
    "occupation",
)

POSTCODE_COLUMNS: tuple[str, ...] = (
    "pcd",
    "pcd2",
    "pcds",
    "dointr",
    "doterm",
    "oscty",
    "ced",
    "oslaua",
    "osward",
    "parish",
    "usertype",
    "oseast1m",
    "osnrth1m",
    "osgrdind",
    "oshlthau",
    "nhser",
    "ctry",
    "rgn",
    "lat",
    "long",
)

# Test types and their LOINC codes.
TEST_TYPES: tuple[str, ...] = ("PCR", "LFD")
LOINC_PCR = "94500-6"  # SARS-CoV-2 (COVID-19) RNA [Presence] in Respiratory specimen by NAA with probe detection
LOINC_LFD = "94558-4"  # SARS-CoV-2 (COVID-19) Ag [Presence] in Respiratory specimen by Rapid immunoassay
TEST_CODES: tuple[str, ...] = (LOINC_PCR, LOINC_LFD)
TEST_DISPLAYS: tuple[str, ...] = (
    "SARS-CoV-2 (COVID-19) RNA [Presence] in Respiratory specimen by NAA with probe detection",
    "SARS-CoV-2 (COVID-19) Ag [Presence] in Respiratory specimen by Rapid immunoassay",
)

# Results in the order of the integer codes used internally: 0 negative, 1 positive, 2 void.
NEGATIVE, POSITIVE, VOID = 0, 1, 2
RESULTS: tuple[str, ...] = ("negative", "positive", "void")
# SNOMED CT UK edition concepts used by NHS pathology messaging for SARS-CoV-2 results.
# The void/inconclusive code is the one we are least sure of: check it against the UK
# edition before relying on it.
RESULT_CODES: tuple[str, ...] = ("1240591000000102", "1240581000000104", "1321691000000102")
RESULT_DISPLAYS: tuple[str, ...] = (
    "SARS-CoV-2 not detected",
    "SARS-CoV-2 detected",
    "SARS-CoV-2 result void or inconclusive",
)

SEXES: tuple[str, ...] = ("female", "male", "other", "unknown")
FHIR_GENDERS: tuple[str, ...] = ("female", "male", "other", "unknown")

# Occupation groups carried on a result (blank for people not in work).
OCCUPATIONS: tuple[str, ...] = ("", "health_care", "social_care", "education", "other")
NOT_WORKING, HEALTH_CARE, SOCIAL_CARE, EDUCATION, OTHER_WORK = range(5)

# Fictional result sources: (source_id, kind, specimen id prefix). Kind "pcr" sources are
# laboratories; "lfd" sources are self-report and testing-site portals.
SOURCES: tuple[tuple[str, str, str], ...] = (
    ("LAB-NORTH", "pcr", "LN"),
    ("LAB-SOUTH", "pcr", "LS"),
    ("LAB-CYMRU", "pcr", "LC"),
    ("LFD-PORTAL", "lfd", "LFP"),
    ("LFD-SITES", "lfd", "LFS"),
)

# Systems for identifiers in the FHIR output. Reserved example domains (RFC 2606) for ours.
NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
SPECIMEN_SYSTEM_BASE = "https://fhir.example.org/Id/specimen/"
SOURCE_SYSTEM = "https://fhir.example.org/Id/result-source"
SOURCE_URI_BASE = "urn:localtrace:source:"
EXTENSION_CARE_HOME = "https://fhir.example.org/StructureDefinition/care-home"
EXTENSION_OCCUPATION = "https://fhir.example.org/StructureDefinition/occupation"
LOINC_SYSTEM = "http://loinc.org"
SNOMED_SYSTEM = "http://snomed.info/sct"
SPECIMEN_TYPE_CODE = "258500001"  # Nasopharyngeal swab
SPECIMEN_TYPE_DISPLAY = "Nasopharyngeal swab"

# Fictional area codes: 9xx is far beyond any code ONS has issued for these entity types.
ENGLAND_CODE = "E92000001"
WALES_CODE = "W92000004"
NO_COUNTY_ENGLAND = "E99999999"
NO_COUNTY_WALES = "W99999999"

# Real UK postcode areas: ours must avoid all of them so that no real address is implied.
REAL_POSTCODE_AREAS: frozenset[str] = frozenset(
    [
        "AB",
        "AL",
        "B",
        "BA",
        "BB",
        "BD",
        "BH",
        "BL",
        "BN",
        "BR",
        "BS",
        "BT",
        "CA",
        "CB",
        "CF",
        "CH",
        "CM",
        "CO",
        "CR",
        "CT",
        "CV",
        "CW",
        "DA",
        "DD",
        "DE",
        "DG",
        "DH",
        "DL",
        "DN",
        "DT",
        "DY",
        "E",
        "EC",
        "EH",
        "EN",
        "EX",
        "FK",
        "FY",
        "G",
        "GL",
        "GU",
        "HA",
        "HD",
        "HG",
        "HP",
        "HR",
        "HS",
        "HU",
        "HX",
        "IG",
        "IP",
        "IV",
        "KA",
        "KT",
        "KW",
        "KY",
        "L",
        "LA",
        "LD",
        "LE",
        "LL",
        "LN",
        "LS",
        "LU",
        "M",
        "ME",
        "MK",
        "ML",
        "N",
        "NE",
        "NG",
        "NN",
        "NP",
        "NR",
        "NW",
        "OL",
        "OX",
        "PA",
        "PE",
        "PH",
        "PL",
        "PO",
        "PR",
        "RG",
        "RH",
        "RM",
        "S",
        "SA",
        "SE",
        "SG",
        "SK",
        "SL",
        "SM",
        "SN",
        "SO",
        "SP",
        "SR",
        "SS",
        "ST",
        "SW",
        "SY",
        "TA",
        "TD",
        "TF",
        "TN",
        "TQ",
        "TR",
        "TS",
        "TW",
        "UB",
        "W",
        "WA",
        "WC",
        "WD",
        "WF",
        "WN",
        "WR",
        "WS",
        "WV",
        "YO",
        "ZE",
    ]
)
# Fictional postcode areas in the order they are handed out: English areas first, then Welsh.
FICTIONAL_POSTCODE_AREAS_ENGLAND: tuple[str, ...] = ("FX", "GX", "HY", "JX", "KU", "RX", "TY")
FICTIONAL_POSTCODE_AREAS_WALES: tuple[str, ...] = ("LX", "WY", "YX")
# Letters allowed in the inward code's last two characters.
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
# Letters allowed after the digit in AA9A districts that are also allowed in A9A districts.
DISTRICT_SUFFIX_LETTERS = "ABEHPW"

# Domains reserved for documentation (RFC 2606): no real mailbox can receive mail there.
EMAIL_DOMAINS: tuple[str, ...] = ("example.com", "example.org", "example.net")

# Setting kinds, as the places app names them.
SETTING_KINDS: tuple[str, ...] = (
    "workplace",
    "school",
    "care_home",
    "hospitality",
    "place_of_worship",
    "healthcare",
    "other",
)
WORKPLACE, SCHOOL, CARE_HOME, HOSPITALITY, PLACE_OF_WORSHIP, HEALTHCARE, OTHER_SETTING = range(7)

# Roles a person holds in a setting.
MEMBER_ROLES: tuple[str, ...] = (
    "worker",
    "pupil",
    "resident",
    "visitor",
    "congregant",
    "member",
)
WORKER, PUPIL, RESIDENT, VISITOR, CONGREGANT, MEMBER = range(6)

# Infection routes (truth/infections.csv) and contact kinds (truth/contacts.csv).
ROUTES: tuple[str, ...] = ("household", "setting", "close", "community", "seed", "import")
HOUSEHOLD_ROUTE, SETTING_ROUTE, CLOSE_ROUTE, COMMUNITY_ROUTE, SEED_ROUTE, IMPORT_ROUTE = range(6)
CONTACT_KINDS: tuple[str, ...] = ("household", "close", "setting", "community")
HOUSEHOLD_CONTACT, CLOSE_CONTACT, SETTING_CONTACT, COMMUNITY_CONTACT = range(4)
