"""The isolation note as a PDF, in the person's language, with an embedded Unicode font (Welsh needs ŵ and ŷ).

The font is DejaVu Sans (fonts/, Bitstream Vera and Arev licences: free to bundle), so a fresh clone
needs nothing installed on the machine.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from fpdf import FPDF

from localtrace.portal.models import IsolationNote

FONTS = Path(__file__).resolve().parent / "fonts"


def isolation_note_pdf(note: IsolationNote, full_name: str) -> bytes:
    """Render in the active language (the caller activates the person's)."""
    pdf = FPDF(format="A4")
    pdf.set_title(_("Isolation note"))
    pdf.set_author(settings.ORGANISATION_NAME)
    pdf.set_creator("localtrace")
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_margins(20, 20, 20)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 11)
    pdf.multi_cell(0, 6, settings.ORGANISATION_NAME, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("DejaVu", "B", 22)
    pdf.multi_cell(0, 11, _("Isolation note"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("DejaVu", "", 12)
    body = _(
        "This is to confirm that %(name)s has been told by %(organisation)s to self-isolate from %(first)s "
        "until the end of %(last)s."
    ) % {
        "name": full_name,
        "organisation": settings.ORGANISATION_NAME,
        "first": date_format(note.isolate_from, "l j F Y"),
        "last": date_format(note.isolate_until, "l j F Y"),
    }
    pdf.multi_cell(0, 7, body, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.multi_cell(
        0, 7,
        _("They must not go to work or other places during this time. If they cannot work from home, "
          "this note is evidence for their employer."),
        new_x="LMARGIN", new_y="NEXT",
    )  # fmt: skip
    pdf.ln(6)
    pdf.set_font("DejaVu", "B", 14)
    pdf.multi_cell(0, 8, _("Reference: %(reference)s") % {"reference": note.reference}, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 11)
    pdf.multi_cell(
        0, 6,
        _("An employer can ask %(organisation)s to check this reference. We will only tell them whether it is "
          "valid and the dates it covers.") % {"organisation": settings.ORGANISATION_NAME},
        new_x="LMARGIN", new_y="NEXT",
    )  # fmt: skip
    pdf.ln(3)
    pdf.multi_cell(0, 6, _("Issued on %(day)s.") % {"day": date_format(note.issued_at.date(), "j F Y")},
                   new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    return bytes(pdf.output())
