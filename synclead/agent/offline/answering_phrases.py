"""What the answering agent says, in each language it speaks."""

from __future__ import annotations

from string import Template

PHRASES: dict[str, dict[str, str]] = {
    "en": {
        "greeting": "Hello, you have reached $org.",
        "disclosure": "I am an automated assistant and this call is recorded. How can I help you?",
        "ask_name": "Thank you. May I have your name, please?",
        "ask_name_again": "Sorry, I didn't catch your name. Could you say it again?",
        "ask_number_caller_id": (
            "Thank you$name. Can an advisor call you back on the number you are calling from, ending in $digits?"
        ),
        "ask_number": "Thank you$name. What is the best number to call you back on?",
        "ask_number_again": "Sorry, I didn't get that number. Could you say it again, digit by digit?",
        "read_back": "I have $number. Is that right?",
        "goodbye": "Thank you$name. An advisor from $org will call you back as soon as possible. Goodbye!",
        "still_there": "Are you still there? Tell me how I can help you.",
        "silent_goodbye": "I can't hear you. An advisor will call you back on this number. Goodbye!",
        "error": "Sorry, I had a problem understanding you. Could you say that again?",
        "farewell": "I'm sorry, we have to end this call now. An advisor will call you back. Goodbye!",
    },
    "fr": {
        "greeting": "Bonjour, vous êtes bien chez $org.",
        "disclosure": ("Je suis un assistant automatique et cet appel est enregistré. Que puis-je faire pour vous ?"),
        "ask_name": "Merci. Puis-je avoir votre nom, s'il vous plaît ?",
        "ask_name_again": "Pardon, je n'ai pas compris votre nom. Pouvez-vous le répéter ?",
        "ask_number_caller_id": (
            "Merci$name. Un conseiller peut-il vous rappeler au numéro d'où vous appelez, qui se termine par $digits ?"
        ),
        "ask_number": "Merci$name. À quel numéro un conseiller peut-il vous rappeler ?",
        "ask_number_again": "Pardon, je n'ai pas compris ce numéro. Pouvez-vous le redire, chiffre par chiffre ?",
        "read_back": "J'ai noté le $number. Est-ce bien cela ?",
        "goodbye": "Merci$name. Un conseiller de l'agence vous rappellera dès que possible. Au revoir !",
        "still_there": "Êtes-vous toujours là ? Dites-moi ce que je peux faire pour vous.",
        "silent_goodbye": "Je ne vous entends pas. Un conseiller vous rappellera à ce numéro. Au revoir !",
        "error": "Pardon, j'ai eu un problème pour vous comprendre. Pouvez-vous répéter ?",
        "farewell": "Je suis désolé, nous devons terminer cet appel. Un conseiller vous rappellera. Au revoir !",
    },
}


def phrase(language: str, key: str, **values: str) -> str:
    table = PHRASES.get(language, PHRASES["en"])
    return Template(table[key]).safe_substitute(values)
