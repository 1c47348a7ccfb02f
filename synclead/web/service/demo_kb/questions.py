"""Questions a caller might ask Agence Lumière, and where the demo knowledge base answers each (the quality suite and
the retrieval benchmark ask them).

An answer is a document and a fragment of the passage that holds it; several when the fact is written twice (the
sales commission is in the English services page and in the French fee schedule). `cross` marks questions whose
only answer is in the other language's documents.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Question:
    language: str
    text: str
    answers: tuple[tuple[str, str], ...]  # (document name, fragment of the answering passage)

    @property
    def cross(self) -> bool:
        return all(_language_of(document) != self.language for document, _ in self.answers)


_FRENCH_DOCUMENTS = {"honoraires.md", "dossier-location.md", "location-faq.md", "listings.csv"}


def _language_of(document: str) -> str:
    return "fr" if document in _FRENCH_DOCUMENTS else "en"


HOURS = ("agency.md", "Monday to Friday from 9:00 to 19:00")
ADDRESS = ("agency.md", "12 rue des Martyrs, 75009 Paris, on the ground floor")
METRO = ("agency.md", "Notre-Dame-de-Lorette (line 12)")
CONTACT = ("agency.md", "contact@agence-lumiere.fr")
LANGUAGES = ("agency.md", "also speak Spanish")
VALUATION = ("services.md", "free of charge and with no obligation")
VALUATION_FR = ("honoraires.md", "L'estimation de votre bien est gratuite")
COMMISSION = ("services.md", "Our commission on a sale is 4 %")
COMMISSION_FR = ("honoraires.md", "4 % TTC du prix de vente")
MANAGEMENT = ("services.md", "Property management costs 7 %")
MANAGEMENT_FR = ("honoraires.md", "La gestion locative coûte 7 %")
BOOKING = ("viewings.md", "Viewings are by appointment only")
ON_THE_DAY = ("viewings.md", "meets you at the building entrance")
VIDEO = ("viewings.md", "live video tour by WhatsApp")
AFTER_VIEWING = ("viewings.md", "send us your complete application file the same day")
NOTARY = ("buying-guide.md", "about 7 to 8 % of the price")
COOLING_OFF = ("buying-guide.md", "10-day cooling-off period")
TENANT_FEES = ("honoraires.md", "Le locataire paie 12 €")
TENANT_DOCUMENTS = ("dossier-location.md", "les trois derniers bulletins de salaire")
GUARANTOR = ("dossier-location.md", "Le garant fournit les")
VISALE = ("dossier-location.md", "garantie Visale")
INCOME = ("dossier-location.md", "au moins trois fois le loyer")
SENDING = ("dossier-location.md", "DossierFacile")
DEPOSIT = ("location-faq.md", "un mois de loyer hors charges")
INSURANCE = ("location-faq.md", "L'assurance habitation est obligatoire")
NOTICE = ("location-faq.md", "le préavis du locataire est d'un mois")
RENT_CAP = ("location-faq.md", "loyer de référence majoré")
PETS = ("location-faq.md", "animal de compagnie")
PARKING = ("agency.md", "closest public car park")
EVENING = (("viewings.md", "early-evening slots until 20:00"), ("agency.md", "until 20:00, by"))
DURATION = ("viewings.md", "20 to 30 minutes")
REPORT = ("services.md", "within 48 hours")
BUY_DEPOSIT = ("buying-guide.md", "5 to 10 % of the price")
KEYS = ("buying-guide.md", "receive the keys")
STUDENT = ("dossier-location.md", "carte d'étudiant")
DEPOSIT_BACK = ("location-faq.md", "rendu dans un délai d'un mois")
BUYER_FEES = (("honoraires.md", "L'acquéreur ne paie aucun honoraire"), ("services.md", "There is no fee for buyers"))
BANK = ("dossier-location.md", "relevés bancaires")
INVENTORY_FEE = ("honoraires.md", "pour l'état des lieux d'entrée")

QUESTIONS: tuple[Question, ...] = (
    # English, answered in English
    Question("en", "What time do you open on Saturday?", (HOURS,)),
    Question("en", "Are you open on Sundays?", (HOURS,)),
    Question("en", "Where is your office exactly?", (ADDRESS,)),
    Question("en", "Which metro station is closest to the agency?", (METRO,)),
    Question("en", "Do I need to book before coming to see a flat?", (BOOKING,)),
    Question("en", "I live abroad, can you show me the apartment over video?", (VIDEO,)),
    Question("en", "How much do you charge to manage my apartment for me?", (MANAGEMENT, MANAGEMENT_FR)),
    Question("en", "Do you charge anything to value my flat?", (VALUATION, VALUATION_FR)),
    Question("en", "What's your commission if I sell my apartment with you?", (COMMISSION, COMMISSION_FR)),
    Question("en", "What's your email address?", (CONTACT,)),
    Question("en", "Does anyone at the agency speak Spanish?", (LANGUAGES,)),
    Question("en", "How much are the notary fees when you buy a place?", (NOTARY,)),
    Question("en", "Can I back out after signing the preliminary contract?", (COOLING_OFF,)),
    Question("en", "I liked the apartment, what happens next?", (AFTER_VIEWING,)),
    # English, answered only in French
    Question("en", "What documents do I need to rent an apartment?", (TENANT_DOCUMENTS,)),
    Question("en", "Do you accept Visale as a guarantor?", (VISALE,)),
    Question("en", "How much are the agency fees for a tenant?", (TENANT_FEES,)),
    Question("en", "How much is the security deposit for an unfurnished flat?", (DEPOSIT,)),
    Question("en", "How much notice do I have to give before moving out?", (NOTICE,)),
    Question("en", "How much do I need to earn to rent one of your flats?", (INCOME,)),
    Question("en", "Is home insurance mandatory for tenants?", (INSURANCE,)),
    Question("en", "Can the landlord refuse my dog?", (PETS,)),
    # French, answered in French
    Question("fr", "Quels papiers faut-il pour louer un appartement ?", (TENANT_DOCUMENTS,)),
    Question("fr", "Qu'est-ce que le garant doit fournir ?", (GUARANTOR,)),
    Question("fr", "Combien coûtent vos frais d'agence pour une location ?", (TENANT_FEES,)),
    Question("fr", "Il faut gagner combien pour louer chez vous ?", (INCOME,)),
    Question("fr", "Le dépôt de garantie, c'est combien ?", (DEPOSIT,)),
    Question("fr", "Est-ce que l'assurance habitation est obligatoire ?", (INSURANCE,)),
    Question("fr", "Combien de temps de préavis pour quitter mon appartement à Paris ?", (NOTICE,)),
    Question("fr", "Quels sont vos honoraires pour vendre mon appartement ?", (COMMISSION_FR, COMMISSION)),
    Question("fr", "Combien prenez-vous pour la gestion locative ?", (MANAGEMENT_FR, MANAGEMENT)),
    Question("fr", "Comment je vous envoie mon dossier ?", (SENDING,)),
    Question("fr", "Le propriétaire peut-il augmenter le loyer comme il veut ?", (RENT_CAP,)),
    # French, answered only in English
    Question("fr", "Vous êtes ouverts le samedi ?", (HOURS,)),
    Question("fr", "À quelle heure fermez-vous le soir en semaine ?", (HOURS,)),
    Question("fr", "Quelle est l'adresse de l'agence ?", (ADDRESS,)),
    Question("fr", "Quel métro pour venir chez vous ?", (METRO,)),
    Question("fr", "Comment se passe une visite ?", (BOOKING, ON_THE_DAY)),
    Question("fr", "Est-ce que vous faites des visites en vidéo ?", (VIDEO,)),
    Question("fr", "Les frais de notaire, c'est combien pour un achat ?", (NOTARY,)),
    Question("fr", "Quelqu'un parle espagnol dans l'agence ?", (LANGUAGES,)),
    Question("fr", "Quelle est votre adresse e-mail ?", (CONTACT,)),
)

# Written after the search was tuned on the questions above, and first run unchanged: how it does on questions it
# was not tuned for (0.83 top-1, 0.94 top-3 on that first run).
HELD_OUT: tuple[Question, ...] = (
    Question("en", "Can I park my car near your office?", (PARKING,)),
    Question("en", "Do you do viewings in the evening after work?", EVENING),
    Question("en", "How long does a viewing usually take?", (DURATION,)),
    Question("en", "How quickly do I get the valuation report?", (REPORT,)),
    Question("en", "How much deposit do I pay when I sign to buy?", (BUY_DEPOSIT,)),
    Question("en", "When do I get the keys after buying?", (KEYS,)),
    Question("en", "What does my guarantor have to send you?", (GUARANTOR,)),
    Question("en", "I'm a student, what papers should I give you?", (STUDENT,)),
    Question("en", "When will I get my deposit back after I leave?", (DEPOSIT_BACK,)),
    Question("en", "Is there a limit on how much rent a landlord can ask in Paris?", (RENT_CAP,)),
    Question("fr", "Je suis indépendant, quels justificatifs dois-je fournir ?", (TENANT_DOCUMENTS,)),
    Question("fr", "Est-ce que l'acheteur paie des frais d'agence ?", BUYER_FEES),
    Question("fr", "Vous pouvez me demander mes relevés bancaires ?", (BANK,)),
    Question("fr", "Combien coûte l'état des lieux ?", (INVENTORY_FEE,)),
    Question("fr", "Il y a un parking près de l'agence ?", (PARKING,)),
    Question("fr", "Combien de temps dure une visite ?", (DURATION,)),
    Question("fr", "Je peux me rétracter après avoir signé le compromis ?", (COOLING_OFF,)),
    Question("fr", "Vous ouvrez à quelle heure le matin ?", (HOURS,)),
)
