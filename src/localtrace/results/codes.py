"""The test and result codes intake recognises (LOINC for tests, SNOMED CT for outcomes)."""

from __future__ import annotations

LOINC_SYSTEM = "http://loinc.org"
SNOMED_SYSTEM = "http://snomed.info/sct"
NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"

PCR = "PCR"
LFD = "LFD"

# LOINC codes for SARS-CoV-2 tests → our test type.
TEST_CODES: dict[str, str] = {
    "94500-6": PCR,  # RNA [Presence] in Respiratory specimen by NAA with probe detection
    "94309-2": PCR,  # RNA [Presence] in Specimen by NAA with probe detection
    "94533-7": PCR,  # N gene [Presence] in Respiratory specimen by NAA with probe detection
    "94534-5": PCR,  # RdRp gene [Presence] in Respiratory specimen by NAA with probe detection
    "94759-8": PCR,  # RNA [Presence] in Nasopharynx by NAA with probe detection
    "94845-5": PCR,  # RNA [Presence] in Saliva (oral fluid) by NAA with probe detection
    "94558-4": LFD,  # Ag [Presence] in Respiratory specimen by Rapid immunoassay
    "95209-3": LFD,  # Ag [Presence] in Respiratory specimen by Rapid immunoassay (nasopharynx/nose)
    "96119-3": LFD,  # Ag [Presence] in Upper respiratory specimen by Immunoassay
    "97097-0": LFD,  # Ag [Presence] in Upper respiratory specimen by Rapid immunoassay
}

POSITIVE = "positive"
NEGATIVE = "negative"
VOID = "void"

# SNOMED CT concepts → outcome. UK edition codes used in NHS pathology messages, and the
# international qualifier values some laboratories send instead.
RESULT_CODES: dict[str, str] = {
    "1240581000000104": POSITIVE,  # SARS-CoV-2 detected
    "1240591000000102": NEGATIVE,  # SARS-CoV-2 not detected
    "1321691000000102": VOID,  # SARS-CoV-2 result unknown / void
    "260373001": POSITIVE,  # Detected
    "260415000": NEGATIVE,  # Not detected
    "419984006": VOID,  # Inconclusive
}

TEST_TYPE_WORDS: dict[str, str] = {
    "pcr": PCR,
    "rt-pcr": PCR,
    "naat": PCR,
    "lfd": LFD,
    "lft": LFD,
    "lateral flow": LFD,
    "antigen": LFD,
    "rapid antigen": LFD,
}

RESULT_WORDS: dict[str, str] = {
    "positive": POSITIVE,
    "pos": POSITIVE,
    "detected": POSITIVE,
    "negative": NEGATIVE,
    "neg": NEGATIVE,
    "not detected": NEGATIVE,
    "void": VOID,
    "inconclusive": VOID,
    "invalid": VOID,
    "unknown": VOID,
}
