"""Word lists for generated benchmark text: short original sentences, never copied prose."""

import random

FIRST_NAMES = [
    "Ada", "Bram", "Cleo", "Dario", "Edith", "Farid", "Greta", "Hugo", "Ines", "Jonas", "Kaia",
    "Leon", "Mina", "Nils", "Olga", "Pavel", "Quinn", "Rosa", "Sami", "Tove", "Umar", "Vera",
    "Wren", "Xavi", "Yara", "Zeno",
]  # fmt: skip
LAST_INITIALS = "ABCDEFGHJKLMNPRSTVW"

SUBJECTS = [
    "the night bus", "our block's garden", "the new bike lane", "the library branch",
    "the harbour ferry", "the corner bakery", "the school crossing", "the market hall",
    "the river path", "the pool on Elm Street", "the tram depot", "the repair café",
    "the council's plan", "the heat shelter", "the cooling centre", "the street trees",
    "the water fountain", "the splash pad", "the budget vote", "the community fridge",
]  # fmt: skip
VERBS = [
    "made a real difference", "needs more staff", "opened later than promised",
    "was packed on Sunday", "should stay open longer", "felt calmer this summer",
    "still floods after rain", "saved us a long walk", "could use more shade",
    "is worth every cent", "got noisier lately", "finally has benches",
]  # fmt: skip
OPENERS = [
    "Honestly,", "From where I live,", "As a parent,", "Speaking as a cyclist,",
    "After twenty years here,", "For what it's worth,", "Small point:", "Agreed, and",
    "Not sure about that;", "Good reporting.",
]  # fmt: skip
CLOSERS = [
    "Would love a follow-up.", "Thanks for covering it.", "Who decides this?",
    "Let's see what the council says.", "More of this, please.", "Numbers would help.",
    "My neighbours feel the same.", "Has anyone asked the drivers?",
]  # fmt: skip

HEADLINE_NOUNS = [
    "Council", "Harbour", "Library", "Tram line", "Market", "Hospital", "School board",
    "Bridge", "Museum", "Stadium", "Water board", "Port", "University", "Theatre", "Clinic",
]  # fmt: skip
HEADLINE_VERBS = [
    "weighs", "delays", "approves", "rethinks", "expands", "trims", "opens", "reviews",
    "pauses", "funds",
]  # fmt: skip
HEADLINE_OBJECTS = [
    "night service", "summer hours", "repair budget", "new wing", "flood defences",
    "rent freeze", "solar roofs", "quiet zones", "tree planting", "late openings",
    "cycle parking", "heat plan", "school meals", "river clean-up", "ticket prices",
]  # fmt: skip
TOPICS = [
    "library", "harbour", "budget", "transit", "housing", "climate", "schools", "parks",
    "energy", "water", "health", "culture",
]  # fmt: skip
FACTS = [
    "Officials expect a decision before the end of the quarter.",
    "Residents packed the hearing to ask about costs.",
    "The plan draws on three years of local measurements.",
    "Opponents say the timeline leaves too little room for review.",
    "A pilot on two streets showed modest but steady gains.",
    "The figures will be published in full next month.",
    "Staff shortages have slowed similar projects elsewhere.",
    "Neighbourhood groups asked for a written reply within weeks.",
    "Funding comes partly from a regional grant.",
    "The board will revisit the proposal in spring.",
]  # fmt: skip


def reader_name(rng: random.Random):
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_INITIALS)}."


def comment_body(rng: random.Random):
    """One to three short sentences a reader might write."""
    sentences = [f"{rng.choice(OPENERS)} {rng.choice(SUBJECTS)} {rng.choice(VERBS)}."]
    for _ in range(rng.randint(0, 2)):
        sentences.append(rng.choice([rng.choice(CLOSERS), f"{rng.choice(SUBJECTS).capitalize()} "
                                     f"{rng.choice(VERBS)}."]))  # fmt: skip
    return " ".join(sentences)


def headline(rng: random.Random):
    return (
        f"{rng.choice(HEADLINE_NOUNS)} {rng.choice(HEADLINE_VERBS)} {rng.choice(HEADLINE_OBJECTS)}"
    )


def article_body(rng: random.Random, topic):
    """Markdown: a few paragraphs of plain sentences, one subheading."""
    paragraphs = []
    for number in range(rng.randint(4, 7)):
        if number == 2:
            paragraphs.append(f"## What it means for {topic}")
        sentences = rng.sample(FACTS, rng.randint(2, 4))
        paragraphs.append(f"The {topic} question came up again. " + " ".join(sentences))
    return "\n\n".join(paragraphs)
