"""Real documents built in the test: a PDF written by reportlab, a Word file by python-docx, listings CSVs."""

from __future__ import annotations

import io

PARIS_RENTALS_EN = """\
reference,kind,city,district,rooms,bedrooms,surface_m2,price,charges,available_from,features,description
A-102,rent,Paris,9e,3,2,58,"1,650",150,2026-12-01,balcony; lift,Bright flat near Saint-Georges.
A-103,rent,Paris,11,2,1,41.5,1 180 €,90,,parquet,
S-201,sale,Paris,Montmartre,4,3,95,"645,000",210,,lift|cellar|view,
"""

# What a French agency's Excel writes: semicolons, Windows-1252, French headers, "1 650 €" and "58,5".
LYON_RENTALS_FR = """Référence;Type;Ville;Quartier;Pièces;Chambres;Surface (m²);Loyer;Charges;Disponible;Équipements
L-1;location;Lyon;6e;T3;2;58,5;1 650 €;150 €;01/12/2026;balcon | ascenseur
L-2;vente;Lyon;Croix-Rousse;4 pièces;3;92;385 000;;immédiatement;cave
""".encode("cp1252")


def pdf_bytes(pages: list[list[tuple[str, str]]], *, user_password: str | None = None) -> bytes:
    """A PDF with, on each page, paragraphs of (style, text): "title" or "body". Body text wraps to the width."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate

    styles = getSampleStyleSheet()
    buffer = io.BytesIO()
    encrypt = None
    if user_password is not None:
        from reportlab.lib import pdfencrypt

        encrypt = pdfencrypt.StandardEncryption(user_password, ownerPassword="owner", strength=40)
    document = SimpleDocTemplate(buffer, pagesize=A4, encrypt=encrypt)
    story: list[object] = []
    for number, page in enumerate(pages):
        if number:
            story.append(PageBreak())
        for style, text in page:
            story.append(Paragraph(text, styles["Title" if style == "title" else "BodyText"]))
    document.build(story)
    return buffer.getvalue()


def image_only_pdf() -> bytes:
    """A page with drawings and no text, as a scan looks to a text extractor."""
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.rect(100, 100, 300, 400, fill=1)
    page.circle(250, 600, 50)
    page.showPage()
    page.save()
    return buffer.getvalue()


def docx_bytes() -> bytes:
    import docx

    document = docx.Document()
    document.add_heading("Agence Lumière", level=0)
    document.add_paragraph("We answer every call, even on Saturdays.")
    document.add_heading("Fees", level=1)
    document.add_paragraph("Our fees are set by law for rentals.")
    document.add_heading("Documents to provide", level=2)
    document.add_paragraph("An identity document", style="List Bullet")
    document.add_paragraph("Your last three payslips", style="List Bullet")
    table = document.add_table(rows=2, cols=2)
    for row, (service, fee) in zip(table.rows, [("Inventory", "3 € per m²"), ("Visit", "free")], strict=True):
        row.cells[0].text, row.cells[1].text = service, fee
    # A house style built on a built-in heading is still a heading.
    custom = document.styles.add_style("Agency Heading", 1)  # WD_STYLE_TYPE.PARAGRAPH
    custom.base_style = document.styles["Heading 1"]
    document.add_paragraph("Opening hours", style="Agency Heading")
    document.add_paragraph("Monday to Saturday, 9:00 to 19:00.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
