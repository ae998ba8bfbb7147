"""beta.gouv.fr's vocabulary: its phase and accessibility names, and their meaning.

The reader (parsing its files) and the writer (its v2.7 files) both use these tables,
so that a change of beta.gouv.fr's names is made in this one place.
"""

from startups.models import Phase, Startup

# beta.gouv.fr's phase names, older ones included, and the phase each one means.
PHASE_OF_BETAGOUV_NAME = {
    "investigation": Phase.INVESTIGATION,
    "construction": Phase.CONSTRUCTION,
    "acceleration": Phase.ACCELERATION,
    "consolidation": Phase.CONSOLIDATION,
    "transfere": Phase.INTEGRATION,
    "transfer": Phase.INTEGRATION,
    "success": Phase.INTEGRATION,
    "alumni": Phase.INTEGRATION,
    "opere": Phase.OPERATED,
    "abandon": Phase.ABANDONED,
    "abandon-investigation": Phase.INCONCLUSIVE,
}
# The names beta.gouv.fr uses today, for files and exports in its format.
BETAGOUV_NAME_OF_PHASE = {
    Phase.INVESTIGATION: "investigation",
    Phase.CONSTRUCTION: "construction",
    Phase.ACCELERATION: "acceleration",
    Phase.CONSOLIDATION: "consolidation",
    Phase.INTEGRATION: "transfere",
    Phase.OPERATED: "opere",
    Phase.ABANDONED: "abandon",
    Phase.INCONCLUSIVE: "abandon-investigation",
}

ACCESSIBILITY_OF_BETAGOUV = {
    "totalement conforme": Startup.AccessibilityStatus.FULLY_COMPLIANT,
    "partiellement conforme": Startup.AccessibilityStatus.PARTIALLY_COMPLIANT,
    "non conforme": Startup.AccessibilityStatus.NOT_COMPLIANT,
}

BETAGOUV_ACCESSIBILITY = {
    status: text for text, status in ACCESSIBILITY_OF_BETAGOUV.items()
}


def betagouv_phase(phase: str) -> str:
    """beta.gouv.fr's name of one of our phases ("" for none)."""
    return BETAGOUV_NAME_OF_PHASE[Phase(phase)] if phase else ""
