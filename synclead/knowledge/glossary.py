"""A bilingual glossary of letting and selling, so a question in one language finds words written in the other.

Callers ask in English about a fee schedule an agency wrote in French, and the reverse. The multilingual embedding
bridges the two languages only roughly (a small model, 4-bit), while lexical search cannot bridge them at all. So
the question's domain words are translated through this glossary and searched for too: "payslips" also looks for
"bulletin de salaire", "préavis" also for "notice". It is the vocabulary of the trade, not of any one agency.

Each line is one notion: English forms, then French forms, after " | ". Forms are written folded (lower case, no
accents) and singular; plurals match through the same light stemming as the search itself. Words so common in an
agency's documents that they would match everything ("apartment", "rent") are left out on purpose.
"""

from __future__ import annotations

from functools import cache

from synclead.knowledge.lexical import light_stem, words

_GLOSSARY = """
fee, fees, agency fee, commission | honoraire, frais d'agence, commission
tenant, renter | locataire
landlord, owner | proprietaire, bailleur
lease, tenancy agreement, rental agreement | bail, contrat de location
security deposit, deposit | depot de garantie, caution
guarantor | garant, caution, se porter garant
guarantee, rent guarantee | garantie, visale, gli, garantie loyers impayes
notice, notice period, give notice | preavis, conge, donner son conge
move out, moving out, leave | quitter, depart, sortie
move in, moving in | emmenager, entree, remise des cles
inventory, check-in, check-out | etat des lieux
insurance, home insurance | assurance, assurance habitation
mandatory, compulsory, required | obligatoire
documents, papers, paperwork | pieces, papiers, justificatifs, pieces a fournir
application, application file, rental file | dossier, candidature, dossier de location
payslip, pay slip, salary slip | bulletin de salaire, fiche de paie, bulletin de paie
tax notice, tax return, tax assessment | avis d'imposition, impots
employment contract, work contract | contrat de travail, attestation employeur
identity, id, passport, id card | piece d'identite, carte d'identite, passeport, titre de sejour
proof of address | justificatif de domicile, quittance
income, salary, earn, earnings | revenus, salaire, gagner
self-employed, freelance | independant, auto-entrepreneur, kbis
student | etudiant, certificat de scolarite
furnished | meuble
unfurnished | vide, non meuble
flatshare, shared flat, roommate | colocation, colocataire

rent control, rent cap | encadrement des loyers, loyer de reference
rent increase, raise the rent | augmenter le loyer, revision du loyer, hausse de loyer
repair, repairs, maintenance | travaux, reparation, entretien
key, keys | cle, cles
sell, sale, selling, seller | vendre, vente, vendeur
buy, buying, purchase, buyer | acheter, achat, acquereur, acheteur
notary, notary fees | notaire, frais de notaire
offer, make an offer | offre, offre d'achat
preliminary contract, sale agreement | compromis, compromis de vente, promesse de vente
cooling-off, withdraw, back out | retractation, se retracter
deed, completion | acte authentique, acte de vente, signature
mortgage, loan, broker | pret, credit immobilier, courtier
valuation, value, appraisal, estimate | estimation, estimer, avis de valeur
property management, manage | gestion locative, gerer, gestion
mandate, exclusive | mandat, exclusivite

viewing, visit, see the flat | visite, visiter
appointment, book, booking | rendez-vous, reserver
video, video call, video tour | video, visio
virtual tour | visite virtuelle
opening hours, open, opening | horaires, ouvert, ouverture, heures d'ouverture
close, closed, closing | ferme, fermeture, fermez
monday | lundi
tuesday | mardi
wednesday | mercredi
thursday | jeudi
friday | vendredi
saturday | samedi
sunday | dimanche
weekday, weekdays | en semaine
weekend | week-end, weekend
public holiday, bank holiday | jour ferie, jours feries
morning | matin
evening, tonight | soir, ce soir
address, located, location of the agency | adresse, situe
office | bureau, agence
metro, subway, underground, tube | metro, station

car park, parking | parking, stationnement
email, e-mail | e-mail, email, mail, courriel
phone, call, telephone | telephone, appeler
speak, language | parler, langue
english | anglais
spanish | espagnol
italian | italien
french | francais
pet, pets, dog, cat | animal, animaux, chien, chat
balcony | balcon
terrace | terrasse
lift, elevator | ascenseur
cellar, storage | cave
garden | jardin
bedroom | chambre

surface, square metre, square meter | surface, m2, metres carres
"""


Form = tuple[str, ...]  # stemmed words, for matching a question


def _forms(line: str) -> tuple[tuple[Form, str], ...]:
    """Each form of a notion: its stemmed words, and its folded text (what is searched; each database stems it)."""
    texts = (" ".join(words(form)) for part in line.split("|") for form in part.split(","))
    return tuple((tuple(light_stem(w) for w in text.split()), text) for text in texts if text)


@cache
def _index() -> tuple[tuple[tuple[tuple[Form, str], ...], ...], dict[str, list[tuple[Form, int]]]]:
    """The notions, and each form by its first word (with its notion's number), so a question is read once."""
    notions = tuple(_forms(line) for line in _GLOSSARY.strip().splitlines() if line.strip())
    by_first_word: dict[str, list[tuple[Form, int]]] = {}
    for number, notion in enumerate(notions):
        for form, _ in notion:
            by_first_word.setdefault(form[0], []).append((form, number))
    return notions, by_first_word


def translations(question: str) -> list[str]:
    """The glossary's other forms of the notions named in `question`, as phrases of folded words."""
    notions, by_first_word = _index()
    stems = tuple(light_stem(w) for w in words(question))
    present: set[Form] = set()
    named: dict[int, None] = {}
    for position, stem in enumerate(stems):
        for form, number in by_first_word.get(stem, ()):
            if stems[position : position + len(form)] == form:
                present.add(form)
                named.setdefault(number, None)
    found: dict[str, None] = {}
    for number in named:
        for form, text in notions[number]:
            if form not in present:
                found.setdefault(text, None)
    return list(found)
