"""Real documents built in the test: a PDF written by reportlab, a Word file by python-docx, listings exports as
CSV and as Excel workbooks written by openpyxl."""

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

# A French agency's export as Excel saves "CSV (séparateur : point-virgule)": Windows-1252, `;`, a `Type` column of
# property types beside a `Transaction` column, decimal commas, amounts with spaces and "€", a postcode, a trailing
# separator on every line.
AGENCY_EXPORT_FR = (
    "Réf.;Type;Transaction;Ville;Code postal;Pièces;Surface (m²);Loyer (€/mois);Prix (€);Charges (€/mois);"
    "Disponibilité;Négociateur;\r\n"
    "LOC-12;Appartement T3;Location;Paris;75009;;62,40;1 250,50 €;;95 €;01/02/2027;Mme Petit;\r\n"
    "LOC-13;Studio;Location;Paris;75011;;18,5;690 €;;40 €;immédiatement;M. Roux;\r\n"
    "VEN-7;Maison;Vente;Lyon;69005;5;120;;485 000 €;;;Mme Petit;\r\n"
).encode("cp1252")

# The unit-suffixed headers of an English export, with both a `kind` (rent/sale) and a `type` (apartment/house)
# column, and the rent and the sale price in separate columns; UTF-8 with a BOM.
UNIT_HEADERS_EN = (
    "ref,kind,type,city,district,bedrooms,surface_m2,rent_eur_month,price_eur,charges_eur_month,available_from\n"
    "R-1,rent,apartment,Paris,9e,2,58.5,1650,,150,2026-12-01\n"
    "R-2,rent,studio,Paris,11e,0,21,780,,45,\n"
    'S-1,sale,house,Lyon,Croix-Rousse,3,110,,"495,000",,\n'
).encode("utf-8-sig")


def listings_xlsx(rows: list[list[object]] | None = None, *, title: str = "Annonces", blank_rows: int = 0) -> bytes:
    """A workbook as agency software exports it: a header row of unit-suffixed names, numbers stored as numbers,
    dates as dates; `blank_rows` empty rows above the header (a title left out)."""
    from datetime import date

    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    for _ in range(blank_rows):
        sheet.append([])
    sheet.append(
        [
            "Reference",
            "Type",
            "Kind",
            "City",
            "Postcode",
            "Rooms",
            "surface_m2",
            "price_eur",
            "rent_eur_month",
            "charges_eur_month",
            "Available",
            "Agent",
        ]
    )
    for row in (
        rows
        if rows is not None
        else [
            ["X-1", "Apartment", "rent", "Paris", 75009, 3, 62.4, None, 1250.5, 95, date(2027, 2, 1), "Anne"],
            ["X-2", "House", "sale", "Lyon", 69005, 5, 120, 485000, None, None, None, "Paul"],
            [1023, "T2", "rent", "Bordeaux", 33000, None, 41, None, 820, 60, "now", "Anne"],
        ]
    ):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


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
